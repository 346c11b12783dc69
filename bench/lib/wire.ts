/**
 * The load generator's side of the wire protocol (docs/protocol.md), with the protocol
 * package's synchronous node functions: key pairs and session keys, sealed requests with
 * a fresh `X-Idempotency-Key` each, and the opening of sealed answers.
 */
import { randomUUID } from 'node:crypto';
import {
  buildAad,
  decodePublicKey,
  deriveSessionKeySync,
  encodeBase64,
  encodeEnvelope,
  generateKeyPairSync,
  kidFromSessionId,
  openSync,
  parseEnvelope,
  parseIdempotencyKey,
  sealSync,
  sharedSecretSync,
  type KeyPair,
} from '@idsvc/protocol';

/** An HTTP request as autocannon sends it (the path is per scenario). */
export interface WireRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A session of one client with a sidecar (or with the ceiling route). */
export interface ClientSession {
  clientId: string;
  kid: string;
  key: Uint8Array;
}

/** Headers and body of a session init request for `publicKey`. */
export function initRequest(path: string, clientId: string, publicKey: Uint8Array, extra: Record<string, string> = {}): WireRequest {
  return {
    path,
    headers: { 'content-type': 'application/json', 'x-clientid': clientId, 'x-idempotency-key': `${Date.now()}.${randomUUID()}`, ...extra },
    body: JSON.stringify({ clientPublicKey: encodeBase64(publicKey) }),
  };
}

/** The 200 answer of session init. */
interface InitAnswer {
  sessionId: string;
  serverPublicKey: string;
  encAlg: string;
  expiresInSec: number;
}

/**
 * Finish a handshake from the client's side: check the answer's shape and `X-Kid`, validate
 * the server's point, ECDH, HKDF. Throws on any mismatch.
 */
export function completeInit(clientId: string, keys: KeyPair, body: string, kidHeader: string | undefined): ClientSession {
  const answer = JSON.parse(body) as InitAnswer;
  if (typeof answer.sessionId !== 'string' || answer.encAlg !== 'A256GCM' || typeof answer.expiresInSec !== 'number') {
    throw new Error('session init answer has the wrong shape');
  }
  const kid = kidFromSessionId(answer.sessionId);
  if (kidHeader !== kid) throw new Error('X-Kid does not name the new session');
  const secret = sharedSecretSync(keys.privateKey, decodePublicKey(answer.serverPublicKey));
  const key = deriveSessionKeySync(secret, answer.sessionId, clientId);
  secret.fill(0);
  return { clientId, kid, key };
}

/** Check a session init answer without finishing the handshake (cheap: no ECDH). */
export function checkInitAnswer(body: string, kidHeader: string | undefined): void {
  const answer = JSON.parse(body) as InitAnswer;
  if (typeof answer.sessionId !== 'string' || answer.encAlg !== 'A256GCM' || kidHeader !== kidFromSessionId(answer.sessionId)) {
    throw new Error('session init answer has the wrong shape');
  }
}

/** A request sealed for `session`, with a fresh idempotency key; `extra` adds headers (authorization). */
export function sealRequest(session: ClientSession, path: string, plaintext: string, extra: Record<string, string> = {}): WireRequest {
  const timestamp = String(Date.now());
  const nonce = randomUUID();
  const payload = sealSync(session.key, buildAad({ timestamp, nonce, kid: session.kid, clientId: session.clientId }), plaintext);
  return {
    path,
    headers: {
      'content-type': 'application/json',
      'x-clientid': session.clientId,
      'x-kid': session.kid,
      'x-idempotency-key': `${timestamp}.${nonce}`,
      ...extra,
    },
    body: encodeEnvelope(payload),
  };
}

/**
 * Open a sealed answer with the AAD of its own `X-Idempotency-Key` and `X-Kid`, and parse
 * its JSON. Throws when the headers are missing or the payload does not authenticate.
 */
export function openAnswer<T>(session: ClientSession, body: string, headers: Record<string, string | string[] | undefined>): T {
  const answerKey = headerValue(headers, 'x-idempotency-key');
  if (headerValue(headers, 'x-kid') !== session.kid || answerKey === undefined) throw new Error('sealed answer without its headers');
  const { timestamp, nonce } = parseIdempotencyKey(answerKey);
  const plaintext = openSync(session.key, buildAad({ timestamp, nonce, kid: session.kid, clientId: session.clientId }), parseEnvelope(JSON.parse(body)));
  return JSON.parse(Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('utf8')) as T;
}

/** A header of an autocannon or undici answer, by lower-case name. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()] ?? findCaseInsensitive(headers, name);
  return Array.isArray(value) ? value[0] : value;
}

function findCaseInsensitive(headers: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** `Authorization: Basic` for a client id and secret. */
export function basicAuthorization(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

export { generateKeyPairSync, type KeyPair };
