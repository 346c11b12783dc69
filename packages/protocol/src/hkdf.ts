import type { CryptoBackend } from './backends/types.js';
import { assertBytes, utf8 } from './lib/bytes.js';

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
