/**
 * `POST /api/v1/session/init` (docs/protocol.md section 3): an ECDH handshake that opens an
 * anonymous session, or an authenticated one when the caller shows a bearer token and
 * the subject it was issued for. Every answer is signed with the sidecar's handshake key
 * and carries a key confirmation MAC (section 12.1), in headers that clients may ignore.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  HANDSHAKE_HEADERS,
  MalformedInputError,
  PATHS,
  ProtocolError,
  buildHandshakeTranscript,
  decodePublicKey,
  deriveConfirmationKeySync,
  deriveSessionKeySync,
  encodeBase64,
  handshakeConfirmationSync,
  kidFromSessionId,
  sharedSecretSync,
  signHandshakeSync,
  zeroize,
} from '@idsvc/protocol';
import { initNonceScope } from '../../stores/nonce-store.js';
import type { SessionType } from '../../stores/session-store.js';
import { checkBearer } from '../bearer-check.js';
import type { SidecarContext } from '../context.js';
import { nonceRefusal } from '../nonce-refusal.js';
import { optionalHeader, readClientId, readIdempotencyKey } from '../protocol-headers.js';

export const SESSION_INIT_PATH = PATHS.sessionInit;

/** The 200 answer of session init. */
export interface SessionInitAnswer {
  sessionId: string;
  serverPublicKey: string;
  encAlg: 'A256GCM';
  expiresInSec: number;
}

/** The handler of session init, bound to the sidecar's context. */
export function sessionInitHandler(ctx: SidecarContext) {
  return async function sessionInit(request: FastifyRequest, reply: FastifyReply): Promise<SessionInitAnswer> {
    const headers = request.headers;
    const clientId = readClientId(headers);
    const now = ctx.clock.now();
    const requestKey = readIdempotencyKey(headers, now, ctx.clockSkewSec);

    if (!(await ctx.clients.isActive(clientId))) {
      throw new ProtocolError('invalid_client', `session init for unknown or disabled client ${clientId}`);
    }
    // Every check that costs less than the nonce store comes first, so that a request
    // refused anyway never spends a nonce (docs/protocol.md section 6).
    const clientPublicKey = decodePublicKey(readClientPublicKey(request.body));
    const authorization = headers.authorization;
    let bearer: { token: string; subject: string } | undefined;
    if (authorization !== undefined) {
      const token = bearerToken(authorization);
      const subject = optionalHeader(headers, 'x-subject');
      if (subject === undefined || subject.length === 0) {
        throw new MalformedInputError('X-Subject missing', 'An authenticated session needs the X-Subject header.');
      }
      bearer = { token, subject };
    }
    // No key to authenticate the message yet: the nonce is kept in the scope of its client
    // id and ephemeral key, which no other party's inits can fill.
    const verdict = await ctx.nonces.remember({
      scope: initNonceScope(clientId, clientPublicKey),
      nonce: requestKey.nonce,
      timestampMs: requestKey.timestampMs,
      ttlSec: ctx.nonceTtlSec,
    });
    if (verdict !== 'fresh') throw nonceRefusal(verdict);

    let type: SessionType = 'anonymous';
    let subject: string | undefined;
    let ttlSec = ctx.sessionTtlAnonymousSec;
    if (bearer !== undefined) {
      // The identity API is asked last: it costs a round trip.
      await checkBearer(ctx, { clientId, token: bearer.token, subject: bearer.subject, requestId: request.id });
      type = 'authenticated';
      subject = bearer.subject;
      ttlSec = ctx.sessionTtlAuthenticatedSec;
    }

    // Before any key is made: without a handshake key there is no answer to give (503).
    const signer = await ctx.handshakeKeys.signer();
    const serverKeys = ctx.generateKeyPair();
    let sharedSecret: Uint8Array;
    try {
      sharedSecret = sharedSecretSync(serverKeys.privateKey, clientPublicKey);
    } finally {
      serverKeys.privateKey.destroy();
    }
    const sessionId = ctx.newSessionId();
    const kid = kidFromSessionId(sessionId);
    const key = deriveSessionKeySync(sharedSecret, sessionId, clientId);
    const confirmKey = deriveConfirmationKeySync(sharedSecret, sessionId, clientId);
    zeroize(sharedSecret);
    const transcript = buildHandshakeTranscript({
      clientId,
      clientPublicKey,
      serverPublicKey: serverKeys.publicKey,
      sessionId,
      kid,
      encAlg: 'A256GCM',
      expiresInSec: ttlSec,
      timestamp: requestKey.timestamp,
      nonce: requestKey.nonce,
      subject,
    });
    const confirm = handshakeConfirmationSync(confirmKey, transcript);
    zeroize(confirmKey);
    const signature = signHandshakeSync(signer.privateKey, transcript);
    // The store takes the key over from here (and zeroizes it when the session ends).
    await ctx.sessions.put({ id: sessionId, clientId, type, subject, expiresAtMs: now + ttlSec * 1000, key });

    void reply
      .header('x-kid', kid)
      .header(HANDSHAKE_HEADERS.kid, signer.kid)
      .header(HANDSHAKE_HEADERS.signature, signature)
      .header(HANDSHAKE_HEADERS.confirm, confirm);
    return { sessionId, serverPublicKey: encodeBase64(serverKeys.publicKey), encAlg: 'A256GCM', expiresInSec: ttlSec };
  };
}

function readClientPublicKey(body: unknown): string {
  const value = typeof body === 'object' && body !== null ? (body as { clientPublicKey?: unknown }).clientPublicKey : undefined;
  if (typeof value !== 'string') {
    throw new MalformedInputError('clientPublicKey missing', 'The body must be {"clientPublicKey": "<base64>"}.');
  }
  return value;
}

/** The token of `Authorization: Bearer <token>`; any other scheme is 401 `unauthorized`. */
function bearerToken(authorization: string): string {
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
  if (match?.[1] === undefined) throw new ProtocolError('unauthorized', 'authorization is not a bearer token');
  return match[1];
}
