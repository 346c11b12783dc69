/**
 * One encrypted request and its answer (docs/protocol.md section 5): seal the JSON body under
 * the session key with an AAD bound to this message's idempotency key, send the envelope,
 * and open the sealed answer with the AAD of the answer's own headers.
 */
import {
  buildAad,
  encodeEnvelope,
  makeIdempotencyKey,
  parseEnvelope,
  parseIdempotencyKey,
} from '@idsvc/protocol/web';
import { asRecord, errorFromAnswer, parseJson } from './answer.js';
import type { ClientContext } from './context.js';
import { ResponseError } from './errors.js';
import { joinUrl, post } from './http.js';
import type { Session } from './session.js';
import { elapsedMs, headersToObject, maskHeaders, type WireExchange } from './wire.js';

/** What to send: the route, the plaintext body, and how the caller authenticates. */
export interface EncryptedRequest {
  path: string;
  body: Record<string, unknown>;
  /** The full `Authorization` value (`Basic …` or `Bearer …`), if any. */
  authorization?: string;
  /** Sign the request with this client secret (HMAC, docs/protocol.md section 7). */
  hmacSecret?: string;
}

/** A successful answer: the decrypted JSON and the exchange. */
export interface ExchangeResult {
  status: number;
  data: unknown;
  wire: WireExchange;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Send `request` through `session`. Resolves for 2xx answers; throws `ServiceError` for an
 * error answer (sealed or plaintext), `ResponseError` for an answer that cannot be read,
 * `TimeoutError` or `NetworkError` when no answer arrives.
 */
export async function exchange(
  ctx: ClientContext,
  session: Session,
  request: EncryptedRequest,
  signal?: AbortSignal,
): Promise<ExchangeResult> {
  const startedAt = performance.now();
  const url = joinUrl(ctx.sidecarUrl, request.path);
  const plaintext = JSON.stringify(request.body);
  const idempotencyKey = makeIdempotencyKey(ctx.now());
  const { timestamp, nonce } = parseIdempotencyKey(idempotencyKey);
  const aad = buildAad({ timestamp, nonce, kid: session.kid, clientId: ctx.clientId });
  const envelope = encodeEnvelope(await ctx.protocol.seal(session.key, aad, plaintext));

  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ClientId': ctx.clientId,
    'X-Idempotency-Key': idempotencyKey,
    'X-Kid': session.kid,
  };
  if (request.authorization) headers.Authorization = request.authorization;
  if (request.hmacSecret !== undefined) {
    headers['X-Signature'] = await ctx.protocol.sign({ secret: request.hmacSecret, timestamp, nonce, body: plaintext });
  }

  const wire: WireExchange = {
    method: 'POST',
    url,
    requestHeaders: maskHeaders(headers),
    requestBodyPlaintext: plaintext,
    requestBodyEncrypted: envelope,
    status: 0,
    responseHeaders: {},
    responseBodyEncrypted: undefined,
    responseBodyPlaintext: undefined,
    durationMs: 0,
  };
  const snapshot = (): WireExchange => ({ ...wire, durationMs: elapsedMs(startedAt) });

  const answer = await post(ctx.transport, url, headers, envelope, snapshot, signal);
  wire.status = answer.status;
  wire.responseHeaders = headersToObject(answer.headers);

  const parsed = asRecord(parseJson(answer.text, answer.status, { ...snapshot(), responseBodyPlaintext: answer.text }));
  if (typeof parsed?.payload !== 'string') {
    // Not an envelope: the sidecar stopped the request before it knew a key.
    wire.responseBodyPlaintext = answer.text;
    if (answer.status >= 400) throw errorFromAnswer(answer.status, answer.text, false, snapshot());
    throw new ResponseError(answer.status, 'a successful answer must be encrypted', snapshot());
  }

  wire.responseBodyEncrypted = answer.text;
  const decrypted = await openAnswer(ctx, session, answer.status, answer.headers, parsed, snapshot);
  wire.responseBodyPlaintext = decrypted;
  if (answer.status >= 400) throw errorFromAnswer(answer.status, decrypted, true, snapshot());
  return { status: answer.status, data: parseJson(decrypted, answer.status, snapshot()), wire: snapshot() };
}

/** Decrypt a sealed answer with the AAD of its own `X-Idempotency-Key` and the session's kid. */
async function openAnswer(
  ctx: ClientContext,
  session: Session,
  status: number,
  headers: Headers,
  envelope: Record<string, unknown>,
  snapshot: () => WireExchange,
): Promise<string> {
  const kid = headers.get('x-kid');
  const key = headers.get('x-idempotency-key');
  if (kid !== session.kid || key === null) {
    throw new ResponseError(status, 'the encrypted answer lacks its X-Kid or X-Idempotency-Key', snapshot());
  }
  try {
    const { timestamp, nonce } = parseIdempotencyKey(key);
    const aad = buildAad({ timestamp, nonce, kid, clientId: ctx.clientId });
    const bytes = await ctx.protocol.open(session.key, aad, parseEnvelope(envelope));
    return decoder.decode(bytes);
  } catch {
    // Never say why: a tampered answer and a wrong key look the same to the caller.
    throw new ResponseError(status, 'the encrypted answer could not be decrypted', snapshot());
  }
}
