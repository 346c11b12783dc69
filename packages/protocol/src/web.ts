/**
 * `@idsvc/protocol/web`: everything that runs without Node — the pure wire functions,
 * the WebCrypto backend and {@link webProtocol}. Nothing reachable from this file imports
 * a `node:` module (a test checks it).
 */
import { webCryptoBackend } from './backends/webcrypto.js';
import { createProtocol, type Protocol } from './protocol.js';

export * from './errors.js';
export { encodeBase64, decodeBase64 } from './base64.js';
export { decodePublicKey, validatePublicKey } from './keys/public-key.js';
export { parseIdempotencyKey, type IdempotencyKey } from './idempotency/parse.js';
export { checkTimestamp } from './idempotency/check-timestamp.js';
export { makeIdempotencyKey } from './idempotency/make.js';
export { kidFromSessionId, sessionIdFromKid, isSessionId, newSessionId } from './session/session-id.js';
export { hkdfInfo } from './hkdf.js';
export { buildAad, type AadFields } from './aad.js';
export { buildHandshakeTranscript, HANDSHAKE_LABEL, HANDSHAKE_HEADERS, type HandshakeTranscriptFields } from './handshake/transcript.js';
export { CONFIRM_INFO_PREFIX, confirmationKeyInputs } from './handshake/confirm.js';
export { handshakePublicKeyFromJwk, type HandshakePublicJwk } from './handshake/signature.js';
export { encodeEnvelope } from './envelope/encode.js';
export { parseEnvelope, MIN_PAYLOAD_BYTES } from './envelope/parse.js';
export { stringToSign, SIGNED_PATH, type StringToSignFields } from './hmac/string-to-sign.js';
export { PATHS, ENCRYPTED_PATHS, type PublicPath } from './paths.js';
export type { SignatureInput } from './hmac/sign.js';
export type { VerifyInput } from './hmac/verify.js';
export { zeroize } from './zeroize.js';
export type { CryptoBackend, KeyPair, PrivateKeyHandle, SessionKey, SessionKeyHandle, SharedSecretHandle } from './backends/types.js';
export { createProtocol, type Protocol } from './protocol.js';
export { webCryptoBackend } from './backends/webcrypto.js';

/**
 * The protocol on WebCrypto, ready to use in browsers, Deno, Bun and Node.
 *
 * @example
 * ```ts
 * import { webProtocol } from '@idsvc/protocol/web'
 * const { publicKey, privateKey } = await webProtocol.generateKeyPair()
 * ```
 */
export const webProtocol: Protocol = createProtocol(webCryptoBackend);
