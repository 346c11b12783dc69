/**
 * Replay protection (docs/protocol.md section 6).
 *
 * Nonces are remembered per scope: the sealed requests of one session, or the session inits
 * of one client id. Each scope keeps its most recent nonces, up to a bound, and a
 * watermark: when the bound makes the scope forget its oldest nonce, the watermark rises to
 * that nonce's timestamp, and from then on a request of that scope whose timestamp is at or
 * before the watermark is refused as stale. A nonce is therefore either remembered or
 * covered by the watermark for as long as its timestamp can pass the clock window: replay
 * protection stays exact, and a full memory never refuses a fresh request.
 */
import { createHash } from 'node:crypto';

/**
 * What {@link NonceStore.remember} found:
 * - `fresh`: the nonce was new in its scope and is now recorded;
 * - `replay`: the scope remembers it (409 `replay_detected`);
 * - `stale`: the timestamp is at or before the scope's watermark, or so old that the nonce
 *   could not be remembered for its whole lifetime (400 `invalid_timestamp`).
 */
export type NonceVerdict = 'fresh' | 'replay' | 'stale';

/** One use of a nonce. */
export interface NonceUse {
  /** From {@link sessionNonceScope} or {@link initNonceScope}. */
  scope: string;
  nonce: string;
  /** The request's timestamp (its `X-Idempotency-Key`), milliseconds since the Unix epoch. */
  timestampMs: number;
  /** How long after its timestamp the nonce is remembered (NONCE_TTL). */
  ttlSec: number;
}

/** Remembers which nonces each scope has used. */
export interface NonceStore {
  /**
   * Record a nonce in its scope unless it is known or stale, atomically.
   * @throws StoreUnavailableError when the backing service cannot answer.
   */
  remember(use: NonceUse): Promise<NonceVerdict>;
  /** Release timers and connections. */
  close(): Promise<void>;
}

/**
 * The scope of the sealed requests of one session. A sealed request replayed into another
 * session cannot be opened there (its AAD names the session's kid, and the key differs), so
 * one session's nonces need never be compared with another's.
 */
export function sessionNonceScope(sessionId: string): string {
  return `s:${sessionId}`;
}

/**
 * The scope of a session init: its client id and the client's ephemeral public key. Nothing
 * is authenticated at init, and client ids are public, so a scope per client id alone would
 * let anyone fill it and raise its watermark past every honest init of that client. A
 * replay carries the same key and lands in the same scope; a request with another key is
 * another handshake, which a replayed nonce gains nothing from.
 */
export function initNonceScope(clientId: string, clientPublicKey: Uint8Array): string {
  return `i:${clientId}:${createHash('sha256').update(clientPublicKey).digest().subarray(0, 16).toString('base64url')}`;
}

/**
 * The 16-byte digest a store keeps instead of the nonce: a fixed, small size whatever the
 * nonce's length (16 to 128 characters), as 22 base64url characters.
 */
export function nonceDigest(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest().subarray(0, 16).toString('base64url');
}
