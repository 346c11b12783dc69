import { generateKeyPairNode, importPrivateKeyNode } from '../backends/node-primitives.js';
import type { KeyPair } from '../backends/types.js';
import { checkScalar } from '../lib/checks.js';

/**
 * A fresh ephemeral P-256 key pair, synchronously (node:crypto).
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = generateKeyPairSync()
 * reply.send({ serverPublicKey: encodeBase64(publicKey), ... })
 * ```
 */
export function generateKeyPairSync(): KeyPair {
  return generateKeyPairNode();
}

/**
 * The key pair of a known scalar, synchronously (vectors, fixtures). `TypeError` unless
 * the scalar is 32 bytes in [1, n-1].
 *
 * @example
 * ```ts
 * const { publicKey } = importPrivateKeySync(scalar)
 * ```
 */
export function importPrivateKeySync(scalar32: Uint8Array): KeyPair {
  checkScalar(scalar32);
  return importPrivateKeyNode(scalar32);
}
