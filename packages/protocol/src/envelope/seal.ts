import { encodeBase64 } from '../base64.js';
import type { CryptoBackend, SessionKey } from '../backends/types.js';
import { assertBytes, concat, toBytes } from '../lib/bytes.js';
import { checkAad, checkSessionKey, IV_LENGTH } from '../lib/checks.js';
import { randomBytes } from '../lib/random.js';

/**
 * Encrypt a body with AES-256-GCM and return the envelope payload,
 * base64(IV ‖ ciphertext ‖ tag). The IV is fresh and random unless one is given (only
 * tests and vectors pass one: reusing an IV under a key breaks GCM).
 * Exposed as `seal()` on {@link createProtocol}'s result.
 */
export async function seal(
  backend: CryptoBackend,
  key: SessionKey,
  aad: Uint8Array,
  plaintext: Uint8Array | string,
  iv?: Uint8Array,
): Promise<string> {
  checkSessionKey(key);
  checkAad(aad);
  if (iv !== undefined) assertBytes(iv, IV_LENGTH, 'iv');
  const nonce = iv ?? randomBytes(IV_LENGTH);
  const sealed = await backend.aesGcmSeal(key, nonce, aad, toBytes(plaintext));
  return encodeBase64(concat(nonce, sealed));
}
