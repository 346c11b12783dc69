/**
 * The encrypted routes (docs/protocol.md sections 5 and 6): token issue, introspection, refresh
 * and revocation. Each request is checked (headers, timestamp, session, envelope, nonce),
 * opened, forwarded byte for byte to the identity API, and its answer sealed for the client.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ENCRYPTED_PATHS,
  ProtocolError,
  buildAad,
  encodeEnvelope,
  errorBody,
  isWireErrorCode,
  makeIdempotencyKey,
  openSync,
  parseEnvelope,
  sealSync,
  zeroize,
} from '@idsvc/protocol';
import { type NonceVerdict, sessionNonceScope } from '../../stores/nonce-store.js';
import type { Session } from '../../stores/session-store.js';
import type { SidecarContext } from '../context.js';
import { CLIENT_ID_HEADER, DEADLINE_HEADER, INTERNAL_AUTH_HEADER, deadlineMarginMs } from '../../contract/internal-api.js';
import { nonceRefusal } from '../nonce-refusal.js';
import { type RequestKey, optionalHeader, readClientId, readIdempotencyKey, readKid } from '../protocol-headers.js';
import { noteUpstreamOutcome } from '../metrics.js';
import { type UpstreamResponse, UpstreamUnavailableError } from '../upstream.js';

/** The identity API routes a client reaches through the sidecar, on the same paths. */
export const FORWARDED_PATHS = ENCRYPTED_PATHS;

const UPSTREAM_UNAVAILABLE = Buffer.from(JSON.stringify(errorBody('upstream_unavailable')));

/** The handler of one encrypted route, bound to the sidecar's context and the route's path. */
export function forwardHandler(ctx: SidecarContext, path: string) {
  return async function forward(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const headers = request.headers;
    const clientId = readClientId(headers);
    const { kid, sessionId } = readKid(headers);
    // The clock window first: the cheapest check (docs/protocol.md section 6).
    const requestKey = readIdempotencyKey(headers, ctx.clock.now(), ctx.clockSkewSec);
    const payload = parseEnvelope(request.body);

    const session = await ctx.sessions.get(sessionId);
    if (session === undefined) throw new ProtocolError('invalid_session', 'session unknown or expired');
    try {
      if (session.clientId !== clientId) throw new ProtocolError('invalid_session', 'session bound to another client id');

      const aad = buildAad({ timestamp: requestKey.timestamp, nonce: requestKey.nonce, kid, clientId });
      const plaintext = openSync(session.key, aad, payload);
      // Only a message that authenticates reaches the nonce store, and its nonce is kept in
      // its session's scope (docs/protocol.md section 6).
      let verdict: NonceVerdict;
      try {
        verdict = await ctx.nonces.remember({
          scope: sessionNonceScope(session.id),
          nonce: requestKey.nonce,
          timestampMs: requestKey.timestampMs,
          ttlSec: ctx.nonceTtlSec,
        });
      } catch (err) {
        zeroize(plaintext);
        throw err;
      }
      if (verdict !== 'fresh') {
        zeroize(plaintext);
        throw nonceRefusal(verdict);
      }

      const answer = await forwardPlaintext(ctx, request, path, session, requestKey, plaintext);
      if (answer.retryAfter !== undefined) void reply.header('retry-after', answer.retryAfter);
      return sealAnswer(ctx, reply, session, kid, clientId, answer.status, answer.body);
    } finally {
      zeroize(session.key);
    }
  };
}

/**
 * POST the plaintext to the identity API. Its own answers go back as they are, a 5xx
 * error of its own (503 with its `Retry-After`, say) included; only an identity API that
 * could not be reached, timed out or answered something not ours becomes 502
 * `upstream_unavailable`.
 */
async function forwardPlaintext(
  ctx: SidecarContext,
  request: FastifyRequest,
  path: string,
  session: Session,
  requestKey: RequestKey,
  plaintext: Uint8Array,
): Promise<{ status: number; body: Uint8Array; retryAfter?: string }> {
  const forwarded: Record<string, string> = {
    'content-type': 'application/json',
    // From the session, not the client: the identity API refuses a caller of another client id.
    [CLIENT_ID_HEADER]: session.clientId,
    'x-idempotency-key': requestKey.header,
    'x-request-id': request.id,
    [INTERNAL_AUTH_HEADER]: ctx.internalSecret,
    // The upstream gives up UPSTREAM_TIMEOUT_MS from now: the identity API must not commit a
    // refresh after that, or the client would hold a spent token and never see its successor.
    [DEADLINE_HEADER]: String(ctx.clock.now() + ctx.upstreamTimeoutMs - deadlineMarginMs(ctx.upstreamTimeoutMs)),
  };
  const authorization = request.headers.authorization;
  if (authorization !== undefined) forwarded.authorization = authorization;
  const signature = optionalHeader(request.headers, 'x-signature');
  if (signature !== undefined) forwarded['x-signature'] = signature;

  try {
    const response = await ctx.upstream.send({ path, headers: forwarded, body: plaintext });
    if (!isOurAnswer(response)) {
      noteUpstreamOutcome(request, 'outage');
      request.log.error({ status: response.status, path }, 'identity API answered something not its own');
      return { status: 502, body: UPSTREAM_UNAVAILABLE };
    }
    if (response.status >= 500) {
      noteUpstreamOutcome(request, 'error_answer');
      request.log.warn({ status: response.status, path, retryAfter: response.retryAfter }, 'identity API answered with an error');
    }
    return {
      status: response.status,
      body: response.body,
      ...(response.status === 503 && response.retryAfter !== undefined ? { retryAfter: response.retryAfter } : {}),
    };
  } catch (err) {
    if (!(err instanceof UpstreamUnavailableError)) throw err;
    noteUpstreamOutcome(request, 'outage');
    request.log.error({ err: { message: err.detail, cause: describe(err.cause) }, path }, 'identity API unavailable');
    return { status: 502, body: UPSTREAM_UNAVAILABLE };
  } finally {
    // The plaintext holds the client's tokens; it is not needed once sent.
    zeroize(plaintext);
  }
}

/**
 * `true` for an answer the identity API gives: a JSON object on success, and on failure the
 * `{error, error_description}` body of a code of the error table. Anything else (an HTML
 * page of a proxy in between, a 5xx with no body, a redirect) is not its own.
 */
function isOurAnswer(response: UpstreamResponse): boolean {
  const { status, body } = response;
  if (status >= 200 && status < 300) return body.length > 0 && body[0] === 0x7b; // '{'
  if (status < 400 || status > 599) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const { error, error_description: description } = parsed as Record<string, unknown>;
  return typeof error === 'string' && isWireErrorCode(error) && typeof description === 'string';
}

/** Seal an answer under the session key with a fresh response key, and send it. */
function sealAnswer(
  ctx: SidecarContext,
  reply: FastifyReply,
  session: Session,
  kid: string,
  clientId: string,
  status: number,
  body: Uint8Array,
): string {
  const timestamp = ctx.clock.now();
  const nonce = randomUUID();
  const aad = buildAad({ timestamp: String(timestamp), nonce, kid, clientId });
  const envelope = encodeEnvelope(sealSync(session.key, aad, body));
  void reply
    .code(status)
    .header('x-kid', kid)
    .header('x-idempotency-key', makeIdempotencyKey(timestamp, nonce))
    .type('application/json');
  return envelope;
}

function describe(cause: unknown): string | undefined {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}
