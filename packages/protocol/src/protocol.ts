import type { CryptoBackend, KeyPair, PrivateKeyHandle, SessionKey, SessionKeyHandle, SharedSecretHandle } from './backends/types.js';
import { agree, sharedSecret } from './ecdh.js';
import { open } from './envelope/open.js';
import { seal } from './envelope/seal.js';
import { confirmHandshake, deriveConfirmationKey, handshakeConfirmation, verifyHandshakeConfirmation } from './handshake/confirm.js';
import { verifyHandshakeSignature, type HandshakePublicJwk } from './handshake/signature.js';
import { deriveSessionKey, deriveSessionKeyHandle, importSessionKey } from './hkdf.js';
import { sha256Hex, sign, type SignatureInput } from './hmac/sign.js';
import { verifySignature, type VerifyInput } from './hmac/verify.js';
import { generateKeyPair, importPrivateKey } from './keys/key-pair.js';

/** Every cryptographic operation of the protocol, bound to one backend. */
export interface Protocol {
  /** The backend doing the work. */
  readonly backend: CryptoBackend;
  /** A fresh ephemeral P-256 key pair; the public key is the 65-byte uncompressed point. */
  generateKeyPair(): Promise<KeyPair>;
  /** The key pair of a 32-byte big-endian scalar in [1, n-1] (vectors, fixtures); `TypeError` otherwise. */
  importPrivateKey(scalar32: Uint8Array): Promise<KeyPair>;
  /** ECDH: the 32-byte X coordinate. Throws InvalidPublicKeyError for a bad peer key. */
  sharedSecret(privateKey: PrivateKeyHandle, peerPublicKey65: Uint8Array): Promise<Uint8Array>;
  /** HKDF-SHA256 session key (32 bytes) of docs/protocol.md section 4. */
  deriveSessionKey(sharedSecret: Uint8Array, sessionId: string, clientId: string): Promise<Uint8Array>;
  /**
   * ECDH kept opaque: a handle to derive keys from, never bytes (a non-extractable HKDF
   * CryptoKey on WebCrypto). Throws InvalidPublicKeyError for a bad peer key.
   */
  agree(privateKey: PrivateKeyHandle, peerPublicKey65: Uint8Array): Promise<SharedSecretHandle>;
  /** The session key of section 4 from an opaque secret, as an opaque handle (non-extractable on WebCrypto). */
  sessionKey(secret: SharedSecretHandle, sessionId: string, clientId: string): Promise<SessionKeyHandle>;
  /** A session-key handle on 32 known bytes (tooling, tests); the handle keeps its own copy. */
  importSessionKey(key32: Uint8Array): Promise<SessionKeyHandle>;
  /** AES-256-GCM: base64(IV ‖ ciphertext ‖ tag). A random IV unless one is given. Key: bytes or a handle. */
  seal(key: SessionKey, aad: Uint8Array, plaintext: Uint8Array | string, iv?: Uint8Array): Promise<string>;
  /** Decrypt a payload (bytes or base64); throws DecryptionFailedError on any failure. */
  open(key: SessionKey, aad: Uint8Array, payload: Uint8Array | string): Promise<Uint8Array>;
  /** Lowercase hex SHA-256 (text is UTF-8). */
  sha256Hex(data: Uint8Array | string): Promise<string>;
  /** The lowercase hex `X-Signature` of a token issue request. */
  sign(input: SignatureInput): Promise<string>;
  /** Constant-time check of an `X-Signature`; `false` for a wrong or malformed one. */
  verifySignature(input: VerifyInput): Promise<boolean>;
  /** The 32-byte key confirmation key of a session (section 12.1): its own HKDF label, never the session key. */
  deriveConfirmationKey(sharedSecret: Uint8Array, sessionId: string, clientId: string): Promise<Uint8Array>;
  /** HMAC-SHA256 of a handshake transcript under the confirmation key (32 bytes). */
  handshakeConfirmation(confirmationKey: Uint8Array, transcript: Uint8Array): Promise<Uint8Array>;
  /** Constant-time check of `X-Handshake-Confirm` (base64 or bytes); `false` when missing, malformed or wrong. */
  verifyHandshakeConfirmation(confirmationKey: Uint8Array, transcript: Uint8Array, mac: Uint8Array | string | undefined): Promise<boolean>;
  /**
   * The same check of `X-Handshake-Confirm` from an opaque shared secret (see `agree`): the
   * confirmation key is derived and used inside the backend, never handed out.
   */
  confirmHandshake(secret: SharedSecretHandle, sessionId: string, clientId: string, transcript: Uint8Array, mac: Uint8Array | string | undefined): Promise<boolean>;
  /** Check of `X-Handshake-Signature` (base64 or bytes) by a JWK; `false` when missing, malformed or wrong; `TypeError` for a JWK that is not ES256. */
  verifyHandshakeSignature(jwk: HandshakePublicJwk, transcript: Uint8Array, signature: Uint8Array | string | undefined): Promise<boolean>;
}

/**
 * Bind the protocol's operations to a crypto backend.
 *
 * @example
 * ```ts
 * import { createProtocol, webCryptoBackend, buildAad } from '@idsvc/protocol/web'
 *
 * const p = createProtocol(webCryptoBackend)
 * const { publicKey, privateKey } = await p.generateKeyPair()
 * // ... send publicKey in session init, receive sessionId and serverPublicKey ...
 * // A client keeps the secret and the key opaque (non-extractable CryptoKeys here):
 * const secret = await p.agree(privateKey, serverPublicKey)
 * const key = await p.sessionKey(secret, sessionId, clientId)
 * secret.destroy()
 * const payload = await p.seal(key, buildAad({ timestamp, nonce, kid, clientId }), '{"token":"..."}')
 * ```
 */
export function createProtocol(backend: CryptoBackend): Protocol {
  return Object.freeze({
    backend,
    generateKeyPair: () => generateKeyPair(backend),
    importPrivateKey: (scalar32: Uint8Array) => importPrivateKey(backend, scalar32),
    sharedSecret: (privateKey: PrivateKeyHandle, peer: Uint8Array) => sharedSecret(backend, privateKey, peer),
    deriveSessionKey: (secret: Uint8Array, sessionId: string, clientId: string) => deriveSessionKey(backend, secret, sessionId, clientId),
    agree: (privateKey: PrivateKeyHandle, peer: Uint8Array) => agree(backend, privateKey, peer),
    sessionKey: (secret: SharedSecretHandle, sessionId: string, clientId: string) => deriveSessionKeyHandle(backend, secret, sessionId, clientId),
    importSessionKey: (key32: Uint8Array) => importSessionKey(backend, key32),
    seal: (key: SessionKey, aad: Uint8Array, plaintext: Uint8Array | string, iv?: Uint8Array) => seal(backend, key, aad, plaintext, iv),
    open: (key: SessionKey, aad: Uint8Array, payload: Uint8Array | string) => open(backend, key, aad, payload),
    sha256Hex: (data: Uint8Array | string) => sha256Hex(backend, data),
    sign: (input: SignatureInput) => sign(backend, input),
    verifySignature: (input: VerifyInput) => verifySignature(backend, input),
    deriveConfirmationKey: (secret: Uint8Array, sessionId: string, clientId: string) => deriveConfirmationKey(backend, secret, sessionId, clientId),
    handshakeConfirmation: (key: Uint8Array, transcript: Uint8Array) => handshakeConfirmation(backend, key, transcript),
    verifyHandshakeConfirmation: (key: Uint8Array, transcript: Uint8Array, mac: Uint8Array | string | undefined) =>
      verifyHandshakeConfirmation(backend, key, transcript, mac),
    confirmHandshake: (secret: SharedSecretHandle, sessionId: string, clientId: string, transcript: Uint8Array, mac: Uint8Array | string | undefined) =>
      confirmHandshake(backend, secret, sessionId, clientId, transcript, mac),
    verifyHandshakeSignature: (jwk: HandshakePublicJwk, transcript: Uint8Array, signature: Uint8Array | string | undefined) =>
      verifyHandshakeSignature(backend, jwk, transcript, signature),
  });
}
