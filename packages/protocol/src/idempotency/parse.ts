import { InvalidTimestampError, MalformedInputError } from '../errors.js';

/** The two halves of an `X-Idempotency-Key`. */
export interface IdempotencyKey {
  /** The timestamp exactly as sent (decimal milliseconds); it goes into the AAD as is. */
  timestamp: string;
  /** The timestamp as a number, for the clock-window check. */
  timestampMs: number;
  /** The nonce exactly as sent; it goes into the AAD and the replay store. */
  nonce: string;
}

const TIMESTAMP = /^[0-9]{1,16}$/;
/** Visible ASCII (0x21-0x7e) but `.`, 16 to 128 characters. */
const NONCE = /^[\x21-\x2d\x2f-\x7e]{16,128}$/;

/**
 * Parse an `X-Idempotency-Key`: `<timestamp>.<nonce>`, split on the first `.`.
 *
 * - no `.` at all, or a nonce shorter than 16 or longer than 128 characters, containing
 *   `.`, whitespace or non-ASCII → {@link MalformedInputError} (400 `invalid_request`);
 * - a timestamp that is not 1 to 16 decimal digits → {@link InvalidTimestampError}
 *   (400 `invalid_timestamp`, as docs/protocol.md section 6 says).
 *
 * It does not check the clock window: see {@link checkTimestamp}.
 *
 * @example
 * ```ts
 * const { timestamp, timestampMs, nonce } = parseIdempotencyKey('1767225600000.96e3f898-02cd-4896-a1fb-0100ad6fbcb4')
 * checkTimestamp(timestampMs, Date.now())
 * ```
 */
export function parseIdempotencyKey(header: string): IdempotencyKey {
  if (typeof header !== 'string') throw new MalformedInputError('idempotency key: missing');
  const dot = header.indexOf('.');
  if (dot < 0) throw new MalformedInputError('idempotency key: no "." separator');
  const timestamp = header.slice(0, dot);
  const nonce = header.slice(dot + 1);
  if (!TIMESTAMP.test(timestamp)) throw new InvalidTimestampError('idempotency key: timestamp is not 1-16 decimal digits');
  if (!NONCE.test(nonce)) throw new MalformedInputError('idempotency key: nonce must be 16-128 visible ASCII characters without "."');
  return { timestamp, timestampMs: Number(timestamp), nonce };
}
