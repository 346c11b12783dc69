import { InvalidTimestampError } from '../errors.js';

/**
 * Refuse a timestamp more than `windowSec` seconds away from the receiver's clock, in
 * either direction (docs/protocol.md section 6, rule 1). Throws {@link InvalidTimestampError}
 * (400 `invalid_timestamp`). A timestamp in seconds instead of milliseconds is ~56 years
 * off and fails here.
 *
 * @example
 * ```ts
 * checkTimestamp(parseIdempotencyKey(header).timestampMs, clock.now())
 * ```
 */
export function checkTimestamp(timestampMs: number, nowMs: number, windowSec = 300): void {
  if (!Number.isFinite(timestampMs) || !Number.isFinite(nowMs)) throw new InvalidTimestampError('timestamp: not a finite number');
  if (Math.abs(timestampMs - nowMs) > windowSec * 1000) throw new InvalidTimestampError('timestamp: outside the clock window');
}
