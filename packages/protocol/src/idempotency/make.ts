import { randomUuid } from '../lib/random.js';

/**
 * Build an `X-Idempotency-Key` for an outgoing message: the millisecond timestamp, a
 * `.`, and a nonce (a fresh UUID v4 by default; never containing `.`, since some clients
 * split the header on every `.`).
 *
 * @example
 * ```ts
 * headers['x-idempotency-key'] = makeIdempotencyKey() // '1767225600000.96e3f898-...'
 * ```
 */
export function makeIdempotencyKey(nowMs: number = Date.now(), nonce: string = randomUuid()): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new TypeError('nowMs must be a non-negative integer');
  if (!/^[\x21-\x2d\x2f-\x7e]{16,128}$/.test(nonce)) {
    throw new TypeError('nonce must be 16-128 visible ASCII characters without "."');
  }
  return `${nowMs}.${nonce}`;
}
