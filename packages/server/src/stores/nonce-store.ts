/**
 * Replay protection (docs/protocol.md section 6): every nonce a client uses is remembered for
 * the nonce TTL, and a second use within that time is refused.
 */

/** Remembers which nonces each client id has used. */
export interface NonceStore {
  /**
   * Record `nonce` for `clientId` unless it is already known, atomically.
   *
   * @returns `true` when the nonce was new (and is now recorded), `false` when it was
   *   already used within its TTL (a replay).
   * @throws StoreUnavailableError when the backing service cannot answer.
   */
  remember(clientId: string, nonce: string, ttlSec: number): Promise<boolean>;
  /** Release timers and connections. */
  close(): Promise<void>;
}

/**
 * One unambiguous key for a (client id, nonce) pair: the length prefix keeps
 * `("a:b", "c")` and `("a", "b:c")` apart whatever characters either contains.
 */
export function nonceKey(clientId: string, nonce: string): string {
  return `${clientId.length}:${clientId}:${nonce}`;
}
