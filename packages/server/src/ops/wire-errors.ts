/**
 * The one translation, used by both services, from anything thrown while serving a
 * request to the error that goes on the wire. It sits above storage and the stores, whose
 * failures it recognises, and below the identity API and the sidecar.
 */
import { ProtocolError } from '@idsvc/protocol';
import { InvalidRequestError, NotFoundError, OAuthError, ServerError } from '../lib/oauth-error.js';
import { isDatabaseUnavailable } from '../storage/database-errors.js';
import { StoreFullError, StoreUnavailableError } from '../stores/errors.js';

/**
 * The `Retry-After` seconds of an answer: the error's own, or 1 for any 503
 * `temporarily_unavailable` (a full store, a database that does not answer), so that every
 * such answer tells the caller when to come back (docs/protocol.md section 10).
 */
export function retryAfterOf(wire: ProtocolError): number | undefined {
  if (wire instanceof OAuthError && wire.retryAfterSec !== undefined) return Math.max(1, Math.ceil(wire.retryAfterSec));
  return wire.code === 'temporarily_unavailable' ? 1 : undefined;
}

/** The fields of a Fastify (or Node HTTP) error this module looks at. */
interface HttpishError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message?: unknown;
}

/**
 * Map anything thrown while serving a request to a {@link ProtocolError}: ours as they
 * are; Fastify's body, content-type and validation errors to their 4xx equivalent; a
 * session or nonce store that cannot answer (or is full) and an unreachable database to
 * 503 `temporarily_unavailable`; anything else to a 500 `server_error`.
 *
 * @example
 * ```ts
 * app.setErrorHandler((err, request, reply) => {
 *   const wire = toWireError(err);
 *   return reply.code(wire.status).send(wire.toBody());
 * });
 * ```
 */
export function toWireError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  // The sidecar's stores: Redis down (or a store that refuses for lack of room). Retry later.
  if (err instanceof StoreUnavailableError || err instanceof StoreFullError) {
    return new OAuthError('temporarily_unavailable', { detail: `${err.name}: ${err.message}` });
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as HttpishError;
  const code = typeof e.code === 'string' ? e.code : '';
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === 'FST_ERR_VALIDATION' || e.validation !== undefined) {
    return new InvalidRequestError(`Invalid request: ${message}`, message);
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return new OAuthError('payload_too_large', { detail: message });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new OAuthError('unsupported_media_type', { detail: message });
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new InvalidRequestError('The request body is empty.', message);
  if (status === 404) return new NotFoundError(undefined, message);
  if (status === 405) return new OAuthError('method_not_allowed', { detail: message });
  if (status >= 400 && status < 500) {
    // Bad JSON, bad content length, bad URL and other framework-level 4xx answers.
    return new InvalidRequestError(undefined, `${code} ${message}`.trim(), status);
  }
  // The database is down or unreachable: retry later (503), not a bug of ours (500).
  if (isDatabaseUnavailable(err)) {
    return new OAuthError('temporarily_unavailable', { detail: `database unavailable: ${code} ${message}`.trim() });
  }
  return new ServerError(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
}
