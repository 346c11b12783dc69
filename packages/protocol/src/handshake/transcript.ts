/**
 * The transcript of a session init (docs/protocol.md section 12.1): every value the two
 * sides agreed on, in one unambiguous byte string that the sidecar signs and MACs.
 */
import { assertBytes, concat, utf8 } from '../lib/bytes.js';

/** The protocol label and version: the first field of every transcript. */
export const HANDSHAKE_LABEL = 'idsvc-session-init-v1';

/**
 * The response headers of a signed session init. Header names are case-insensitive on
 * the wire; these are the spellings the sidecar sends.
 */
export const HANDSHAKE_HEADERS = Object.freeze({
  /** base64 of the 64-byte ES256 signature (r || s) over the transcript. */
  signature: 'X-Handshake-Signature',
  /** The `kid` of the sidecar's handshake key in its JWKS. */
  kid: 'X-Handshake-Kid',
  /** base64 of the 32-byte HMAC-SHA256 of the transcript under the confirmation key. */
  confirm: 'X-Handshake-Confirm',
});

/** What a transcript binds. */
export interface HandshakeTranscriptFields {
  /** `X-ClientId` of the session init request. */
  clientId: string;
  /** The client's 65-byte uncompressed public key, as decoded from `clientPublicKey`. */
  clientPublicKey: Uint8Array;
  /** The sidecar's 65-byte uncompressed public key, as decoded from `serverPublicKey`. */
  serverPublicKey: Uint8Array;
  /** `sessionId` of the answer. */
  sessionId: string;
  /** `X-Kid` of the answer: `session:<sessionId>`. */
  kid: string;
  /** `encAlg` of the answer. */
  encAlg: string;
  /** `expiresInSec` of the answer: a non-negative integer. */
  expiresInSec: number;
  /** The timestamp half of the request's `X-Idempotency-Key`, as sent. */
  timestamp: string;
  /** The nonce half of the request's `X-Idempotency-Key`, as sent. */
  nonce: string;
  /** `X-Subject` of an authenticated session; absent (or undefined) for an anonymous one. */
  subject?: string | undefined;
}

/** Session kinds as they appear in field 11 of the transcript. */
const ANONYMOUS = 'anonymous';
const AUTHENTICATED = 'authenticated';

/** One field: its length as a 4-byte big-endian unsigned integer, then its bytes. */
function field(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}

function text(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`transcript field ${name} must be a string`);
  return utf8(value);
}

/**
 * The transcript bytes: twelve fields, each a 4-byte big-endian length followed by that
 * many bytes, in this order:
 *
 *  1. UTF-8 `idsvc-session-init-v1`
 *  2. UTF-8 client id
 *  3. client public key (65 bytes)
 *  4. server public key (65 bytes)
 *  5. UTF-8 session id
 *  6. UTF-8 kid
 *  7. UTF-8 encAlg
 *  8. UTF-8 decimal expiresInSec (no sign, no leading zeros)
 *  9. UTF-8 request timestamp, as sent
 * 10. UTF-8 request nonce, as sent
 * 11. UTF-8 `anonymous` or `authenticated`
 * 12. UTF-8 subject (empty for an anonymous session)
 *
 * Length prefixes make the encoding injective: no two different sets of values give the
 * same bytes, whatever characters the values contain.
 *
 * @example
 * ```ts
 * const transcript = buildHandshakeTranscript({ clientId, clientPublicKey, serverPublicKey,
 *   sessionId, kid, encAlg: 'A256GCM', expiresInSec: 1800, timestamp, nonce })
 * ```
 */
export function buildHandshakeTranscript(fields: HandshakeTranscriptFields): Uint8Array {
  assertBytes(fields.clientPublicKey, 65, 'clientPublicKey');
  assertBytes(fields.serverPublicKey, 65, 'serverPublicKey');
  const { expiresInSec, subject } = fields;
  if (!Number.isSafeInteger(expiresInSec) || expiresInSec < 0) throw new TypeError('transcript field expiresInSec must be a non-negative integer');
  if (subject !== undefined && (typeof subject !== 'string' || subject === '')) {
    throw new TypeError('transcript field subject must be a non-empty string when present');
  }
  return concat(
    field(utf8(HANDSHAKE_LABEL)),
    field(text(fields.clientId, 'clientId')),
    field(fields.clientPublicKey),
    field(fields.serverPublicKey),
    field(text(fields.sessionId, 'sessionId')),
    field(text(fields.kid, 'kid')),
    field(text(fields.encAlg, 'encAlg')),
    field(utf8(String(expiresInSec))),
    field(text(fields.timestamp, 'timestamp')),
    field(text(fields.nonce, 'nonce')),
    field(utf8(subject === undefined ? ANONYMOUS : AUTHENTICATED)),
    field(utf8(subject ?? '')),
  );
}
