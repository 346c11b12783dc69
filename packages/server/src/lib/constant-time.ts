/** Comparison of secrets that takes the same time wherever the inputs differ. */
import { hash, timingSafeEqual } from 'node:crypto';

/**
 * `true` when `a` and `b` are equal. Both sides are hashed first, so the comparison runs
 * over two equal-length digests and neither the content nor the length leaks through timing.
 *
 * @example
 * ```ts
 * if (!safeEqual(presentedToken, config.adminToken)) throw new InvalidTokenError();
 * ```
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * A {@link safeEqual} against one fixed secret, whose digest is computed once: for a secret
 * checked on every request (the internal secret), half the hashing.
 */
export function safeEqualTo(secret: string | Uint8Array): (presented: string | Uint8Array) => boolean {
  const expected = sha256(secret);
  return (presented) => timingSafeEqual(sha256(presented), expected);
}

function sha256(data: string | Uint8Array): Buffer {
  // The one-shot `hash` (Node >= 20.12) costs about half of createHash().update().digest().
  return hash('sha256', typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), 'buffer');
}
