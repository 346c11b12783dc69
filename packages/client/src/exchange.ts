/**
 * One encrypted request and its answer (docs/protocol.md section 5): seal the JSON body under
 * the session key with an AAD bound to this message's idempotency key, send the envelope,
 * and open the sealed answer with the AAD of the answer's own headers.
 */
import { asRecord, errorFromAnswer, parseJson } from './answer.js';
import type { ClientContext } from './context.js';
import { ResponseError } from './errors.js';
import { joinUrl, post } from './http.js';
import { UnopenableAnswerError, openMessage, sealMessage } from './message.js';
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
  const { headers, body: envelope } = await sealMessage(ctx.protocol, session, plaintext, {
    authorization: request.authorization,
    hmacSecret: request.hmacSecret,
    now: ctx.now(),
  });

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
  let decrypted: string;
  try {
    decrypted = await openMessage(ctx.protocol, session, (name) => answer.headers.get(name), parsed);
  } catch (err) {
    if (!(err instanceof UnopenableAnswerError)) throw err;
    throw new ResponseError(answer.status, err.message, snapshot());
  }
  wire.responseBodyPlaintext = decrypted;
  if (answer.status >= 400) throw errorFromAnswer(answer.status, decrypted, true, snapshot());
  return { status: answer.status, data: parseJson(decrypted, answer.status, snapshot()), wire: snapshot() };
}
