import type { CryptoBackend, SessionKey } from '../backends/types.js';
import { DecryptionFailedError } from '../errors.js';
import { checkAad, checkSessionKey, splitPayload } from '../lib/checks.js';

/**
 * Decrypt an envelope payload (raw bytes, as from parseEnvelope, or its base64 text) and
 * return the plaintext bytes. Any failure — bad base64, too short, wrong key, wrong AAD,
 * a flipped bit — throws the same DecryptionFailedError, which tells nothing more.
 * Exposed as `open()` on {@link createProtocol}'s result.
 */
export async function open(backend: CryptoBackend, key: SessionKey, aad: Uint8Array, payload: Uint8Array | string): Promise<Uint8Array> {
  checkSessionKey(key);
  checkAad(aad);
  const { iv, sealed } = splitPayload(payload);
  try {
    return await backend.aesGcmOpen(key, iv, aad, sealed);
  } catch {
    throw new DecryptionFailedError('payload does not authenticate');
  }
}
