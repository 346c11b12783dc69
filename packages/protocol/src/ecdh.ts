import type { CryptoBackend, PrivateKeyHandle } from './backends/types.js';
import { validatePublicKey } from './keys/public-key.js';

/**
 * The ECDH shared secret (32-byte X coordinate) of an own private key and a peer's
 * 65-byte public key. The peer key is validated first and refused with
 * InvalidPublicKeyError when it is not an uncompressed point on P-256.
 * Exposed as `sharedSecret()` on {@link createProtocol}'s result.
 */
export async function sharedSecret(backend: CryptoBackend, privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  validatePublicKey(peerPublicKey);
  return backend.ecdh(privateKey, peerPublicKey);
}
