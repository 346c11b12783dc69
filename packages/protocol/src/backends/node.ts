import {
  agreeNode,
  aesGcmOpenNode,
  es256VerifyNode,
  aesGcmSealNode,
  deriveAesKeyNode,
  ecdhNode,
  generateKeyPairNode,
  hkdfSha256Node,
  hkdfHmacVerifyNode,
  hmacSha256Node,
  hmacSha256VerifyNode,
  importAesKeyNode,
  importPrivateKeyNode,
  sha256Node,
} from './node-primitives.js';
import type { CryptoBackend } from './types.js';

/**
 * The node:crypto backend: OpenSSL, synchronous underneath, for servers. Each method
 * returns an already-settled promise; servers that want to skip the promise use the
 * `*Sync` functions, which run the same code.
 *
 * @example
 * ```ts
 * import { createProtocol, nodeBackend } from '@idsvc/protocol'
 * const p = createProtocol(nodeBackend)
 * const { publicKey, privateKey } = await p.generateKeyPair()
 * ```
 */
export const nodeBackend: CryptoBackend = {
  name: 'node',
  generateKeyPair: async () => generateKeyPairNode(),
  importPrivateKey: async (scalar) => importPrivateKeyNode(scalar),
  ecdh: async (privateKey, peer) => ecdhNode(privateKey, peer),
  agree: async (privateKey, peer) => agreeNode(privateKey, peer),
  deriveAesKey: async (secret, salt, info) => deriveAesKeyNode(secret, salt, info),
  hkdfHmacVerify: async (secret, salt, info, data, mac) => hkdfHmacVerifyNode(secret, salt, info, data, mac),
  importAesKey: async (key) => importAesKeyNode(key),
  hkdfSha256: async (ikm, salt, info, length) => hkdfSha256Node(ikm, salt, info, length),
  aesGcmSeal: async (key, iv, aad, plaintext) => new Uint8Array(aesGcmSealNode(key, iv, aad, plaintext)),
  aesGcmOpen: async (key, iv, aad, sealed) => aesGcmOpenNode(key, iv, aad, sealed),
  sha256: async (data) => sha256Node(data),
  hmacSha256: async (key, data) => hmacSha256Node(key, data),
  hmacSha256Verify: async (key, data, mac) => hmacSha256VerifyNode(key, data, mac),
  es256Verify: async (publicKey, data, signature) => es256VerifyNode(publicKey, data, signature),
};
