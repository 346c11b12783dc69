/**
 * The session handshake of PROTOCOL.md sections 3 and 4 with no transport: the init
 * request for a fresh ephemeral key pair, and the session key from the sidecar's answer.
 * `initSession` runs these two steps around one POST; test clients that send malformed
 * or replayed inits call them directly, through `@idsvc/client/message`.
 */
import {
  decodePublicKey,
  encodeBase64,
  isSessionId,
  kidFromSessionId,
  makeIdempotencyKey,
  type PrivateKeyHandle,
  type SessionKeyHandle,
  type SharedSecretHandle,
} from '@idsvc/protocol/web';
import type { ProtocolApi } from './context.js';

/** A session init request, and the private key that will finish it. */
export interface SessionInitMessage {
  headers: Record<string, string>;
  body: string;
  /** Pass to {@link completeSessionInit}; call `destroy()` when the init is abandoned. */
  privateKey: PrivateKeyHandle;
  /** The 65-byte public key offered, for the handshake transcript. */
  publicKey: Uint8Array;
  /** The `X-Idempotency-Key` sent, for the handshake transcript. */
  idempotencyKey: string;
}

/** What an init asks for: anonymous, or authenticated with a bearer token and subject. */
export interface SessionInitOptions {
  /** The client's clock in ms since the epoch, for `X-Idempotency-Key`. */
  now: number;
  /** An access token: sent as `Authorization: Bearer …`. */
  bearer?: string | undefined;
  /** Sent as `X-Subject`. */
  subject?: string | undefined;
}

/** Make an ephemeral P-256 key pair and the init request that offers its public key. */
export async function sessionInitMessage(
  protocol: ProtocolApi,
  clientId: string,
  options: SessionInitOptions,
): Promise<SessionInitMessage> {
  const { publicKey, privateKey } = await protocol.generateKeyPair();
  const idempotencyKey = makeIdempotencyKey(options.now);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ClientId': clientId,
    'X-Idempotency-Key': idempotencyKey,
  };
  if (options.bearer !== undefined) headers['Authorization'] = `Bearer ${options.bearer}`;
  if (options.subject !== undefined) headers['X-Subject'] = options.subject;
  return { headers, body: JSON.stringify({ clientPublicKey: encodeBase64(publicKey) }), privateKey, publicKey, idempotencyKey };
}

/** The session a successful init yields. */
export interface SessionKeys {
  sessionId: string;
  kid: string;
  /**
   * The AES-256-GCM session key as an opaque handle (a non-extractable CryptoKey on
   * WebCrypto); the caller calls `destroy()` when done with it.
   */
  key: SessionKeyHandle;
  expiresInSec: number;
  /** The `kid` of the sidecar handshake key that vouched for the answer, when it was checked. */
  handshakeKid: string | undefined;
}

/**
 * A check of the answer before the session key is derived (the signed-init checks of
 * docs/protocol.md section 12.1): resolves with the `kid` of the key that vouched for it,
 * or throws, and then no session key is made.
 */
export type InitAnswerCheck = (answer: SessionInitAnswer, secret: SharedSecretHandle) => Promise<string>;

/** The fields of a 200 init answer, checked. */
export interface SessionInitAnswer {
  sessionId: string;
  /** The sidecar's ephemeral point, 65 bytes. */
  serverPublicKey: Uint8Array;
  expiresInSec: number;
}

/** Why an init answer could not be completed. */
export class UnusableInitAnswerError extends Error {
  constructor(readonly reason: 'malformed' | 'bad-point') {
    super(reason === 'malformed' ? 'the session init answer is malformed' : 'the server public key is not a valid P-256 point');
    this.name = 'UnusableInitAnswerError';
  }
}

/**
 * Check the shape of a 200 init answer (`fields`, its parsed JSON) and decode the server's
 * point. Throws {@link UnusableInitAnswerError}.
 */
export function readSessionInitAnswer(fields: unknown): SessionInitAnswer {
  const answer = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
  const { sessionId, serverPublicKey, expiresInSec } = answer;
  if (
    typeof sessionId !== 'string' ||
    !isSessionId(sessionId) ||
    typeof serverPublicKey !== 'string' ||
    answer['encAlg'] !== 'A256GCM' ||
    typeof expiresInSec !== 'number' ||
    !Number.isInteger(expiresInSec) ||
    expiresInSec <= 0
  ) {
    throw new UnusableInitAnswerError('malformed');
  }
  try {
    return { sessionId, serverPublicKey: decodePublicKey(serverPublicKey), expiresInSec };
  } catch {
    throw new UnusableInitAnswerError('bad-point');
  }
}

/**
 * Check the 200 answer of an init (`fields`, its parsed JSON), then ECDH with the server's
 * point and HKDF into the session key, all through opaque handles: on WebCrypto neither
 * the shared secret nor the session key ever exists as bytes in script. With `check`,
 * the answer must also pass it first; its error propagates as thrown. The private key
 * and the secret are destroyed either way. Throws {@link UnusableInitAnswerError}.
 */
export async function completeSessionInit(
  protocol: ProtocolApi,
  clientId: string,
  privateKey: PrivateKeyHandle,
  fields: unknown,
  check?: InitAnswerCheck,
): Promise<SessionKeys> {
  let answer: SessionInitAnswer;
  try {
    answer = readSessionInitAnswer(fields);
  } catch (err) {
    privateKey.destroy();
    throw err;
  }
  const { sessionId, expiresInSec } = answer;
  let secret: SharedSecretHandle | undefined;
  try {
    try {
      secret = await protocol.agree(privateKey, answer.serverPublicKey);
    } catch {
      throw new UnusableInitAnswerError('bad-point');
    }
    const handshakeKid = check ? await check(answer, secret) : undefined;
    const key = await protocol.sessionKey(secret, sessionId, clientId);
    return { sessionId, kid: kidFromSessionId(sessionId), key, expiresInSec, handshakeKid };
  } finally {
    secret?.destroy();
    privateKey.destroy();
  }
}
