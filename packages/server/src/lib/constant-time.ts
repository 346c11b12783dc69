/** Comparison of secrets that takes the same time wherever the inputs differ. */
import { createHash, timingSafeEqual } from 'node:crypto';

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
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
