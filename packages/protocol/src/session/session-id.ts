import { MalformedInputError } from '../errors.js';
import { toHex } from '../lib/hex.js';
import { randomBytes } from '../lib/random.js';

const SESSION_ID = /^S-[0-9a-f]{32}$/;
const KID_PREFIX = 'session:';

/**
 * Whether a text is a session id: `S-` followed by 32 lowercase hex characters.
 *
 * @example
 * ```ts
 * isSessionId('S-dc7e234e01bcef297ac4f8742b956c0b') // true
 * ```
 */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

/**
 * A fresh session id carrying 128 random bits: `S-` + 32 lowercase hex characters.
 *
 * @example
 * ```ts
 * const sessionId = newSessionId() // 'S-3f0c...'
 * ```
 */
export function newSessionId(): string {
  return 'S-' + toHex(randomBytes(16));
}

/**
 * The `X-Kid` value of a session: `session:<sessionId>`.
 *
 * @example
 * ```ts
 * kidFromSessionId('S-dc7e234e01bcef297ac4f8742b956c0b') // 'session:S-dc7e...'
 * ```
 */
export function kidFromSessionId(sessionId: string): string {
  if (!isSessionId(sessionId)) throw new TypeError('sessionId must be S- followed by 32 lowercase hex characters');
  return KID_PREFIX + sessionId;
}

/**
 * The session id inside an `X-Kid` header. Throws {@link MalformedInputError}
 * (400 `invalid_request`) unless it is exactly `session:S-<32 lowercase hex>`.
 *
 * @example
 * ```ts
 * sessionIdFromKid('session:S-dc7e234e01bcef297ac4f8742b956c0b') // 'S-dc7e...'
 * ```
 */
export function sessionIdFromKid(kid: string): string {
  if (typeof kid !== 'string' || !kid.startsWith(KID_PREFIX)) throw new MalformedInputError('kid: missing session: prefix');
  const sessionId = kid.slice(KID_PREFIX.length);
  if (!isSessionId(sessionId)) throw new MalformedInputError('kid: malformed session id');
  return sessionId;
}
