/**
 * Key confirmation of a session init (docs/protocol.md section 12.1): a MAC over the
 * transcript under a key of its own, derived from the ECDH shared secret with a label
 * that differs from the session key's, so the MAC reveals nothing about the session key.
 */
import type { CryptoBackend, SharedSecretHandle } from '../backends/types.js';
import { decodeBase64 } from '../base64.js';
import { assertBytes, utf8 } from '../lib/bytes.js';

/** The HKDF `info` prefix of the confirmation key; the client id follows it. */
export const CONFIRM_INFO_PREFIX = 'HANDSHAKE-CONFIRM|HS256|';

/** The HKDF salt and info of the confirmation key, as bytes. */
export function confirmationKeyInputs(sessionId: string, clientId: string): { salt: Uint8Array; info: Uint8Array } {
  if (typeof sessionId !== 'string') throw new TypeError('sessionId must be a string');
  if (typeof clientId !== 'string') throw new TypeError('clientId must be a string');
  return { salt: utf8(sessionId), info: utf8(CONFIRM_INFO_PREFIX + clientId) };
}

/**
 * The 32-byte confirmation key: HKDF-SHA256(ikm = shared secret, salt = UTF-8(sessionId),
 * info = UTF-8(`HANDSHAKE-CONFIRM|HS256|<clientId>`)). Zeroize it after use.
 */
export async function deriveConfirmationKey(backend: CryptoBackend, secret: Uint8Array, sessionId: string, clientId: string): Promise<Uint8Array> {
  assertBytes(secret, 32, 'shared secret');
  const { salt, info } = confirmationKeyInputs(sessionId, clientId);
  return backend.hkdfSha256(secret, salt, info, 32);
}

/** The 32-byte HMAC-SHA256 of the transcript under the confirmation key (`X-Handshake-Confirm`, decoded). */
export async function handshakeConfirmation(backend: CryptoBackend, confirmationKey: Uint8Array, transcript: Uint8Array): Promise<Uint8Array> {
  assertBytes(confirmationKey, 32, 'confirmation key');
  return backend.hmacSha256(confirmationKey, transcript);
}

/** The MAC bytes of a header value or bytes, or `undefined` when it is not 32 bytes of strict base64. */
export function confirmationBytes(mac: unknown): Uint8Array | undefined {
  if (mac instanceof Uint8Array) return mac.length === 32 ? mac : undefined;
  if (typeof mac !== 'string' || mac.length !== 44) return undefined;
  try {
    return decodeBase64(mac);
  } catch {
    return undefined;
  }
}

/**
 * Whether `mac` (the `X-Handshake-Confirm` header as received, or its bytes) is the MAC
 * of the transcript, compared in constant time. Missing or malformed is simply `false`.
 */
export async function verifyHandshakeConfirmation(
  backend: CryptoBackend,
  confirmationKey: Uint8Array,
  transcript: Uint8Array,
  mac: Uint8Array | string | undefined,
): Promise<boolean> {
  assertBytes(confirmationKey, 32, 'confirmation key');
  const bytes = confirmationBytes(mac);
  if (bytes === undefined) return false;
  return backend.hmacSha256Verify(confirmationKey, transcript, bytes);
}

/**
 * {@link verifyHandshakeConfirmation} from an opaque shared secret: the backend derives
 * the confirmation key and checks the MAC without the key leaving it (on WebCrypto, a
 * non-extractable HMAC CryptoKey). Missing or malformed is simply `false`.
 */
export async function confirmHandshake(
  backend: CryptoBackend,
  secret: SharedSecretHandle,
  sessionId: string,
  clientId: string,
  transcript: Uint8Array,
  mac: Uint8Array | string | undefined,
): Promise<boolean> {
  const bytes = confirmationBytes(mac);
  if (bytes === undefined) return false;
  const { salt, info } = confirmationKeyInputs(sessionId, clientId);
  return backend.hkdfHmacVerify(secret, salt, info, transcript, bytes);
}
