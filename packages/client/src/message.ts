/**
 * The message layer of PROTOCOL.md section 5 with no transport: seal a plaintext into the
 * headers and envelope of one request, and open a sealed answer (and, from
 * `handshake.ts`, the two steps of session init, and from `handshake-auth.ts` the checks
 * of a signed one). The SDK's exchange is these steps
 * around one POST; test and tooling clients that must see or alter the
 * bytes between the steps (a tampered tag, a replayed key, a foreign kid) call them
 * directly, through `@idsvc/client/message`.
 *
 * @packageDocumentation
 * @module @idsvc/client/message
 */
import {
  buildAad,
  encodeEnvelope,
  makeIdempotencyKey,
  parseEnvelope,
  parseIdempotencyKey,
  type SessionKey,
} from '@idsvc/protocol/web';
import type { ProtocolApi } from './context.js';

/** What sealing needs of a session: its kid, its key (bytes or a handle) and whose it is. `Session` fits. */
export interface SealingSession {
  readonly kid: string;
  readonly key: SessionKey;
  readonly clientId: string;
}

/** How one request authenticates, and when it is made. */
export interface SealOptions {
  /** The full `Authorization` value (`Basic …` or `Bearer …`), if any. */
  authorization?: string | undefined;
  /** Sign the plaintext with this client secret (HMAC, PROTOCOL.md section 7). */
  hmacSecret?: string | undefined;
  /** The client's clock in ms since the epoch, for `X-Idempotency-Key`. */
  now: number;
}

/** One sealed request: what goes on the wire, and what it was built from. */
export interface SealedMessage {
  /** `Content-Type`, `X-ClientId`, `X-Idempotency-Key`, `X-Kid`, and `Authorization` / `X-Signature` when asked for. */
  headers: Record<string, string>;
  /** The envelope, `{"payload":"…"}`. */
  body: string;
  plaintext: string;
  idempotencyKey: string;
  timestamp: string;
  nonce: string;
  /** The base64 `nonce ‖ ciphertext ‖ tag` inside the envelope. */
  payloadB64: string;
}

/** Seal `plaintext` (sent byte for byte: HMAC clients sign exactly these bytes) for `session`. */
export async function sealMessage(
  protocol: ProtocolApi,
  session: SealingSession,
  plaintext: string,
  options: SealOptions,
): Promise<SealedMessage> {
  const idempotencyKey = makeIdempotencyKey(options.now);
  const { timestamp, nonce } = parseIdempotencyKey(idempotencyKey);
  const aad = buildAad({ timestamp, nonce, kid: session.kid, clientId: session.clientId });
  const payloadB64 = await protocol.seal(session.key, aad, plaintext);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ClientId': session.clientId,
    'X-Idempotency-Key': idempotencyKey,
    'X-Kid': session.kid,
  };
  if (options.authorization) headers['Authorization'] = options.authorization;
  if (options.hmacSecret !== undefined) {
    headers['X-Signature'] = await protocol.sign({ secret: options.hmacSecret, timestamp, nonce, body: plaintext });
  }
  return { headers, body: encodeEnvelope(payloadB64), plaintext, idempotencyKey, timestamp, nonce, payloadB64 };
}

/** Why an answer could not be opened. Callers show one generic message whatever the reason. */
export class UnopenableAnswerError extends Error {
  constructor(readonly reason: 'missing-headers' | 'undecryptable') {
    super(reason === 'missing-headers' ? 'the encrypted answer lacks its X-Kid or X-Idempotency-Key' : 'the encrypted answer could not be decrypted');
    this.name = 'UnopenableAnswerError';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Open a sealed answer with the AAD of its own `X-Idempotency-Key` and `session`'s kid.
 * `header` reads an answer header by lower-case name. Throws {@link UnopenableAnswerError}.
 */
export async function openMessage(
  protocol: ProtocolApi,
  session: SealingSession,
  header: (name: string) => string | null | undefined,
  envelope: unknown,
): Promise<string> {
  const kid = header('x-kid');
  const key = header('x-idempotency-key');
  if (kid !== session.kid || key === null || key === undefined) throw new UnopenableAnswerError('missing-headers');
  try {
    const { timestamp, nonce } = parseIdempotencyKey(key);
    const aad = buildAad({ timestamp, nonce, kid, clientId: session.clientId });
    return decoder.decode(await protocol.open(session.key, aad, parseEnvelope(envelope)));
  } catch {
    // Never say why: a tampered answer and a wrong key look the same.
    throw new UnopenableAnswerError('undecryptable');
  }
}

export { authenticateHandshake, HandshakeRefusedError, type HandshakeCheck, type SentInit } from './handshake-auth.js';
export type { ServerKeySource, ServerKeys } from './server-keys.js';
export {
  completeSessionInit,
  readSessionInitAnswer,
  sessionInitMessage,
  UnusableInitAnswerError,
  type InitAnswerCheck,
  type SessionInitAnswer,
  type SessionInitMessage,
  type SessionInitOptions,
  type SessionKeys,
} from './handshake.js';
