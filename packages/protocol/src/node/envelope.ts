import { aesGcmOpenNode, aesGcmSealNode } from '../backends/node-primitives.js';
import { DecryptionFailedError } from '../errors.js';
import { assertBytes, toBytes } from '../lib/bytes.js';
import { checkAad, checkSessionKey, IV_LENGTH, splitPayload } from '../lib/checks.js';
import { randomBytes } from '../lib/random.js';

/**
 * AES-256-GCM seal, synchronously: base64(IV ‖ ciphertext ‖ tag), with a fresh random IV
 * unless one is given (tests and vectors only).
 *
 * @example
 * ```ts
 * const aad = buildAad({ timestamp, nonce, kid, clientId })
 * reply.send(encodeEnvelope(sealSync(key, aad, responseBody)))
 * ```
 */
export function sealSync(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array | string, iv?: Uint8Array): string {
  checkSessionKey(key);
  checkAad(aad);
  if (iv !== undefined) assertBytes(iv, IV_LENGTH, 'iv');
  const nonce = iv ?? randomBytes(IV_LENGTH);
  const sealed = aesGcmSealNode(key, nonce, aad, toBytes(plaintext));
  // Buffer's base64 is the standard alphabet with padding, the wire encoding, and fast.
  return Buffer.concat([nonce, sealed]).toString('base64');
}

/**
 * Decrypt an envelope payload (bytes or base64), synchronously. Any failure throws the
 * same DecryptionFailedError.
 *
 * @example
 * ```ts
 * const plaintext = openSync(key, aad, parseEnvelope(request.body))
 * ```
 */
export function openSync(key: Uint8Array, aad: Uint8Array, payload: Uint8Array | string): Uint8Array {
  checkSessionKey(key);
  checkAad(aad);
  const { iv, sealed } = splitPayload(payload);
  try {
    return aesGcmOpenNode(key, iv, aad, sealed);
  } catch {
    throw new DecryptionFailedError('payload does not authenticate');
  }
}
