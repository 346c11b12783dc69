/**
 * The successor of a refresh token, derived rather than drawn: HMAC-SHA256 of the parent
 * token under a key derived from the master key (docs/tokens.md, "Grace window"). The same
 * parent always yields the same successor, on every identity instance that shares
 * MASTER_KEY, so a client that presents a just-rotated token again within its grace window
 * can be given the successor it was already given, without the server storing that
 * successor anywhere: the database keeps only its SHA-256 hash, as for every refresh token.
 *
 * Without the key, a successor is as unpredictable as a random 256-bit token (HMAC is a PRF);
 * whoever holds the key (the master key) can already decrypt the signing keys and mint any
 * token, so the derivation gives them nothing more.
 */
import { createHmac, hkdfSync } from 'node:crypto';

/** One key per purpose: this one only ever derives refresh-token successors. */
const KEY_INFO = 'idsvc|refresh-successor|v1';

export class RefreshSuccessors {
  private readonly key: Buffer;

  /** @param masterKey 32 bytes; it is not kept (a derived key is). */
  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== 32) throw new TypeError('master key must be 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', masterKey, new Uint8Array(0), KEY_INFO, 32));
  }

  /** The successor of `parent`: 256 bits in base64url, the shape of every refresh token. */
  successorOf(parent: string): string {
    return createHmac('sha256', this.key).update(parent, 'utf8').digest('base64url');
  }

  /** Zeroize the derived key; unusable afterwards. */
  destroy(): void {
    this.key.fill(0);
  }
}
