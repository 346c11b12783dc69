/**
 * The three ways the package runs the protocol: the node backend, the WebCrypto backend,
 * and the synchronous node functions. Suites run once per entry.
 */
import {
  createProtocol,
  deriveConfirmationKeySync,
  deriveSessionKeySync,
  decodeBase64,
  handshakeConfirmationSync,
  generateKeyPairSync,
  importPrivateKeySync,
  nodeBackend,
  openSync,
  sealSync,
  sha256HexSync,
  sharedSecretSync,
  signSync,
  verifySignatureSync,
  webCryptoBackend,
  type Protocol,
} from '../../src/index.js';

/** The operations under test, whatever runs them. */
export type Operations = Omit<Protocol, 'backend'>;

const nodeProtocol = createProtocol(nodeBackend);

/** The `*Sync` functions behind the same shape as a protocol, so the same suite covers them. */
const syncOperations: Operations = {
  // The opaque-key operations have no synchronous form; the node backend stands in.
  agree: nodeProtocol.agree,
  sessionKey: nodeProtocol.sessionKey,
  importSessionKey: nodeProtocol.importSessionKey,
  generateKeyPair: async () => generateKeyPairSync(),
  importPrivateKey: async (scalar) => importPrivateKeySync(scalar),
  sharedSecret: async (privateKey, peer) => sharedSecretSync(privateKey, peer),
  deriveSessionKey: async (secret, sessionId, clientId) => deriveSessionKeySync(secret, sessionId, clientId),
  seal: async (key, aad, plaintext, iv) => (key instanceof Uint8Array ? sealSync(key, aad, plaintext, iv) : nodeProtocol.seal(key, aad, plaintext, iv)),
  open: async (key, aad, payload) => (key instanceof Uint8Array ? openSync(key, aad, payload) : nodeProtocol.open(key, aad, payload)),
  sha256Hex: async (data) => sha256HexSync(data),
  sign: async (input) => signSync(input),
  verifySignature: async (input) => verifySignatureSync(input),
  deriveConfirmationKey: async (secret, sessionId, clientId) => deriveConfirmationKeySync(secret, sessionId, clientId),
  handshakeConfirmation: async (key, transcript) => decodeBase64(handshakeConfirmationSync(key, transcript)),
  // The node entry has no synchronous checks of a handshake: clients verify, and they use a backend.
  verifyHandshakeConfirmation: (key, transcript, mac) => nodeProtocol.verifyHandshakeConfirmation(key, transcript, mac),
  verifyHandshakeSignature: (jwk, transcript, signature) => nodeProtocol.verifyHandshakeSignature(jwk, transcript, signature),
  confirmHandshake: nodeProtocol.confirmHandshake,
};

/** `[label, operations]` pairs for `describe.each`. */
export const implementations: [string, Operations][] = [
  ['node backend', nodeProtocol],
  ['webcrypto backend', createProtocol(webCryptoBackend)],
  ['node sync functions', syncOperations],
];
