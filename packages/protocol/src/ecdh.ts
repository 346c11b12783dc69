import type { CryptoBackend, PrivateKeyHandle, SharedSecretHandle } from './backends/types.js';
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

/**
 * The same ECDH, kept opaque: a handle keys can be derived from (session key, confirmation
 * key) but whose bytes the WebCrypto backend never exposes. The peer key is validated first.
 * Exposed as `agree()` on {@link createProtocol}'s result.
 */
export async function agree(backend: CryptoBackend, privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Promise<SharedSecretHandle> {
  validatePublicKey(peerPublicKey);
  return backend.agree(privateKey, peerPublicKey);
}
