import type { CryptoBackend, SessionKeyHandle, SharedSecretHandle } from './backends/types.js';
import { assertBytes, utf8 } from './lib/bytes.js';
import { KEY_LENGTH } from './lib/checks.js';

/** The HKDF `info` prefix; the client id follows it. */
const INFO_PREFIX = 'SESSION|A256GCM|';

/**
 * The HKDF `info` text of a session key (docs/protocol.md section 4): `SESSION|A256GCM|<clientId>`,
 * so two clients never share a key even with the same shared secret and session id.
 *
 * @example
 * ```ts
 * hkdfInfo('dev-client') // 'SESSION|A256GCM|dev-client'
 * ```
 */
export function hkdfInfo(clientId: string): string {
  if (typeof clientId !== 'string') throw new TypeError('clientId must be a string');
  return INFO_PREFIX + clientId;
}

/** The HKDF salt and info of a session key, as bytes. */
export function sessionKeyInputs(sessionId: string, clientId: string): { salt: Uint8Array; info: Uint8Array } {
  if (typeof sessionId !== 'string') throw new TypeError('sessionId must be a string');
  return { salt: utf8(sessionId), info: utf8(hkdfInfo(clientId)) };
}

/**
 * The 32-byte session key: HKDF-SHA256(ikm = shared secret, salt = UTF-8(sessionId),
 * info = UTF-8(`SESSION|A256GCM|<clientId>`)). Exposed as `deriveSessionKey()` on
 * {@link createProtocol}'s result.
 */
export async function deriveSessionKey(backend: CryptoBackend, secret: Uint8Array, sessionId: string, clientId: string): Promise<Uint8Array> {
  assertBytes(secret, 32, 'shared secret');
  const { salt, info } = sessionKeyInputs(sessionId, clientId);
  return backend.hkdfSha256(secret, salt, info, 32);
}

/**
 * The same session key from an opaque secret, as an opaque handle (a non-extractable
 * AES-GCM CryptoKey on WebCrypto). Exposed as `sessionKey()` on {@link createProtocol}'s result.
 */
export async function deriveSessionKeyHandle(
  backend: CryptoBackend,
  secret: SharedSecretHandle,
  sessionId: string,
  clientId: string,
): Promise<SessionKeyHandle> {
  const { salt, info } = sessionKeyInputs(sessionId, clientId);
  return backend.deriveAesKey(secret, salt, info);
}

/**
 * A handle on 32 known session-key bytes, for tooling that holds the bytes anyway (the
 * handle keeps its own copy). Exposed as `importSessionKey()` on {@link createProtocol}'s result.
 */
export async function importSessionKey(backend: CryptoBackend, key: Uint8Array): Promise<SessionKeyHandle> {
  assertBytes(key, KEY_LENGTH, 'key');
  return backend.importAesKey(key);
}
