import { PATHS } from '../paths.js';

/**
 * The path every HMAC signature covers, even behind a proxy prefix (docs/protocol.md section 7).
 *
 * @example
 * ```ts
 * app.post(SIGNED_PATH, issueHandler)
 * ```
 */
export const SIGNED_PATH = PATHS.tokenIssue;

/** The parts of the text an external client signs. */
export interface StringToSignFields {
  /** Defaults to `POST`. */
  method?: string;
  /** Defaults to {@link SIGNED_PATH}. */
  path?: string;
  /** The timestamp half of the request's `X-Idempotency-Key`. */
  timestamp: string;
  /** The nonce half of the request's `X-Idempotency-Key`. */
  nonce: string;
  /** Lowercase hex SHA-256 of the plaintext body. */
  bodyHashHex: string;
}

/**
 * The text an HMAC signature covers: method, path, timestamp, nonce and body hash,
 * joined by `\n` with no trailing newline.
 *
 * @example
 * ```ts
 * stringToSign({ timestamp: '1767225600000', nonce, bodyHashHex })
 * // 'POST\n/api/v1/token/issue\n1767225600000\n<nonce>\n<bodyHashHex>'
 * ```
 */
export function stringToSign({ method = 'POST', path = SIGNED_PATH, timestamp, nonce, bodyHashHex }: StringToSignFields): string {
  return [method, path, timestamp, nonce, bodyHashHex].join('\n');
}
