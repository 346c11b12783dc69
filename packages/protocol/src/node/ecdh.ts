import { ecdhNode } from '../backends/node-primitives.js';
import type { PrivateKeyHandle } from '../backends/types.js';
import { validatePublicKey } from '../keys/public-key.js';

/**
 * The ECDH shared secret (32-byte X coordinate), synchronously. The peer key is validated
 * first: InvalidPublicKeyError when it is not an uncompressed point on P-256.
 *
 * @example
 * ```ts
 * const secret = sharedSecretSync(privateKey, decodePublicKey(body.clientPublicKey))
 * ```
 */
export function sharedSecretSync(privateKey: PrivateKeyHandle, peerPublicKey65: Uint8Array): Uint8Array {
  validatePublicKey(peerPublicKey65);
  return ecdhNode(privateKey, peerPublicKey65);
}
