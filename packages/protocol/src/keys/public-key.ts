import { decodeBase64 } from '../base64.js';
import { InvalidPublicKeyError, ProtocolError } from '../errors.js';
import { pointProblem } from '../lib/p256.js';

/**
 * Check that bytes are an uncompressed P-256 public key: 65 bytes, prefix 0x04,
 * coordinates below the field prime, and the point on the curve. Compressed (0x02/0x03)
 * and hybrid (0x06/0x07) encodings are refused: the protocol allows only 0x04.
 * Returns the same bytes; throws {@link InvalidPublicKeyError} otherwise.
 *
 * @example
 * ```ts
 * const key = validatePublicKey(bytes) // throws InvalidPublicKeyError when off-curve
 * ```
 */
export function validatePublicKey(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidPublicKeyError('public key: not bytes');
  const problem = pointProblem(bytes);
  if (problem !== undefined) throw new InvalidPublicKeyError(`public key: ${problem}`);
  return bytes;
}

/**
 * Decode and validate the `clientPublicKey` (or `serverPublicKey`) field of session init:
 * base64 of a 65-byte uncompressed P-256 point. Throws {@link InvalidPublicKeyError}
 * (400 `invalid_request`) for bad base64 or an invalid point.
 *
 * @example
 * ```ts
 * const peer = decodePublicKey(body.clientPublicKey)
 * ```
 */
export function decodePublicKey(b64: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(b64);
  } catch (err) {
    throw new InvalidPublicKeyError(`public key: ${err instanceof ProtocolError ? (err.detail ?? 'bad base64') : 'bad base64'}`);
  }
  return validatePublicKey(bytes);
}
