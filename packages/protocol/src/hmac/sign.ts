import type { CryptoBackend } from '../backends/types.js';
import { toBytes, utf8 } from '../lib/bytes.js';
import { toHex } from '../lib/hex.js';
import { stringToSign } from './string-to-sign.js';

/** What an HMAC signature covers (docs/protocol.md section 7). */
export interface SignatureInput {
  /** The client secret; text is taken as UTF-8. */
  secret: string | Uint8Array;
  /** The timestamp half of the request's `X-Idempotency-Key`. */
  timestamp: string;
  /** The nonce half of the request's `X-Idempotency-Key`. */
  nonce: string;
  /** The exact plaintext body bytes (text is UTF-8); never re-serialise JSON before signing. */
  body: string | Uint8Array;
}

/** Lowercase hex SHA-256. Exposed as `sha256Hex()` on {@link createProtocol}'s result. */
export async function sha256Hex(backend: CryptoBackend, data: Uint8Array | string): Promise<string> {
  return toHex(await backend.sha256(toBytes(data)));
}

/** The bytes HMAC-SHA256 runs over for a request. */
export async function signedBytes(backend: CryptoBackend, input: SignatureInput): Promise<Uint8Array> {
  const bodyHashHex = await sha256Hex(backend, input.body);
  return utf8(stringToSign({ timestamp: input.timestamp, nonce: input.nonce, bodyHashHex }));
}

/**
 * The `X-Signature` of a token issue request: lowercase hex
 * HMAC-SHA256(UTF-8(secret), stringToSign). Exposed as `sign()` on {@link createProtocol}'s result.
 */
export async function sign(backend: CryptoBackend, input: SignatureInput): Promise<string> {
  const key = toBytes(input.secret);
  const mac = await backend.hmacSha256(key, await signedBytes(backend, input));
  if (typeof input.secret === 'string') key.fill(0);
  return toHex(mac);
}
