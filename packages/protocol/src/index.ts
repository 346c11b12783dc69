/**
 * `@idsvc/protocol`: the wire format of the identity sidecar (docs/protocol.md), for Node.
 * Everything of `@idsvc/protocol/web`, plus the node:crypto backend, the ready
 * {@link protocol} instance and the synchronous `*Sync` functions servers use.
 */
import { nodeBackend } from './backends/node.js';
import { createProtocol, type Protocol } from './protocol.js';

export * from './web.js';
export { nodeBackend } from './backends/node.js';
export { generateKeyPairSync, importPrivateKeySync } from './node/keys.js';
export { sharedSecretSync } from './node/ecdh.js';
export { deriveSessionKeySync } from './node/hkdf.js';
export { sealSync, openSync } from './node/envelope.js';
export { sha256HexSync, signSync, verifySignatureSync } from './node/hmac.js';
export { signHandshakeSync, deriveConfirmationKeySync, handshakeConfirmationSync } from './node/handshake.js';

/**
 * The protocol on node:crypto (OpenSSL), ready to use.
 *
 * @example
 * ```ts
 * import { protocol, buildAad } from '@idsvc/protocol'
 * const plaintext = await protocol.open(key, buildAad({ timestamp, nonce, kid, clientId }), payload)
 * ```
 */
export const protocol: Protocol = createProtocol(nodeBackend);
