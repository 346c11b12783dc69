import { decodeBase64 } from '../base64.js';
import { MalformedInputError } from '../errors.js';

/**
 * IV (12) + tag (16): the shortest payload that can hold a message, even an empty one.
 *
 * @example
 * ```ts
 * if (raw.length < MIN_PAYLOAD_BYTES) throw new MalformedInputError('payload too short')
 * ```
 */
export const MIN_PAYLOAD_BYTES = 28;

/**
 * Read the payload of a parsed encrypted body (`{"payload": "<base64>"}`) and return its
 * raw bytes (IV ‖ ciphertext ‖ tag), ready for `open`. Throws {@link MalformedInputError}
 * (400 `invalid_request`) when the body is not an object, `payload` is not a string, not
 * strict base64, or shorter than 28 bytes. Other fields are ignored.
 *
 * @example
 * ```ts
 * const payload = parseEnvelope(request.body)
 * const plaintext = openSync(key, aad, payload)
 * ```
 */
export function parseEnvelope(body: unknown): Uint8Array {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedInputError('envelope: body is not a JSON object');
  }
  const payload = (body as { payload?: unknown }).payload;
  if (typeof payload !== 'string') throw new MalformedInputError('envelope: payload is not a string');
  const bytes = decodeBase64(payload);
  if (bytes.length < MIN_PAYLOAD_BYTES) throw new MalformedInputError(`envelope: payload of ${bytes.length} bytes, need at least ${MIN_PAYLOAD_BYTES}`);
  return bytes;
}
