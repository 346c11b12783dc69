/**
 * OAuth errors of the identity API (docs/protocol.md section 8), one class per `error` code.
 *
 * Each error carries a public description (sent to the client) and a private detail
 * (logged only): a client learns *that* authentication failed, never *why*.
 */
import { ERROR_CODES, ProtocolError, wireError, type ErrorBody, type ErrorCode } from '@idsvc/protocol';
import { isDatabaseUnavailable } from '../ops/database-errors.js';

/** Options shared by every {@link OAuthError}. */
export interface OAuthErrorOptions {
  /** What went wrong, for the log only. */
  detail?: string;
  /** A public description more specific than the code's default. Never put secrets here. */
  description?: string;
  /** An HTTP status other than the code's own (e.g. 409 for a conflict). */
  status?: number;
  /** A `WWW-Authenticate` challenge to send with a 401. */
  challenge?: string;
}

/** Base class: a stable `code`, the HTTP `status`, a public message and a private `detail`. */
export class OAuthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly challenge: string | undefined;

  constructor(code: ErrorCode, options: OAuthErrorOptions = {}) {
    super(options.description ?? ERROR_CODES[code].description);
    this.name = 'OAuthError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.detail = options.detail;
    this.challenge = options.challenge;
  }

  /** The body to send: `{error, error_description}`, never the detail. */
  toBody(): ErrorBody {
    return { error: wireError(this.code), error_description: this.message };
  }
}

/** 401 `invalid_client`: unknown or disabled client, wrong secret or signature, wrong auth method. */
export class InvalidClientError extends OAuthError {
  constructor(detail?: string, challenge?: string) {
    super('invalid_client', { detail, challenge });
    this.name = 'InvalidClientError';
  }
}

/** 401 `invalid_token`: a bearer that is malformed, badly signed, expired, revoked or of another client. */
export class InvalidTokenError extends OAuthError {
  constructor(detail?: string) {
    super('invalid_token', { detail, challenge: 'Bearer error="invalid_token"' });
    this.name = 'InvalidTokenError';
  }
}

/** 400 `invalid_request`: missing or ill-typed fields. The description may name the field. */
export class InvalidRequestError extends OAuthError {
  constructor(description?: string, detail?: string, status?: number) {
    super('invalid_request', { description, detail, status });
    this.name = 'InvalidRequestError';
  }
}

/** 400 `invalid_scope`: a scope the client may not ask for. */
export class InvalidScopeError extends OAuthError {
  constructor(detail?: string) {
    super('invalid_scope', { detail });
    this.name = 'InvalidScopeError';
  }
}

/** 400 `invalid_target`: an audience the client may not ask for (RFC 8707). */
export class InvalidTargetError extends OAuthError {
  constructor(detail?: string) {
    super('invalid_target', { detail });
    this.name = 'InvalidTargetError';
  }
}

/** 400 `invalid_grant`: unknown, expired, revoked or spent refresh token. */
export class InvalidGrantError extends OAuthError {
  constructor(detail?: string) {
    super('invalid_grant', { detail });
    this.name = 'InvalidGrantError';
  }
}

/** 400 `unsupported_grant_type`: anything but `refresh_token` at `/api/v1/token`. */
export class UnsupportedGrantTypeError extends OAuthError {
  constructor(detail?: string) {
    super('unsupported_grant_type', { detail });
    this.name = 'UnsupportedGrantTypeError';
  }
}

/** 401 `unauthorized`: the internal bearer check of an authenticated session init failed. */
export class UnauthorizedError extends OAuthError {
  constructor(detail?: string) {
    super('unauthorized', { detail });
    this.name = 'UnauthorizedError';
  }
}

/** 404 `not_found`: no such route or resource (also every admin route when no admin token is set). */
export class NotFoundError extends OAuthError {
  constructor(description?: string, detail?: string) {
    super('not_found', { description, detail });
    this.name = 'NotFoundError';
  }
}

/** 409 `invalid_request`: the resource already exists. */
export class ConflictError extends OAuthError {
  constructor(description: string) {
    super('invalid_request', { description, status: 409 });
    this.name = 'ConflictError';
  }
}

/** 500 `server_error`: anything unexpected; the cause goes to the log. */
export class ServerError extends OAuthError {
  constructor(detail?: string) {
    super('server_error', { detail });
    this.name = 'ServerError';
  }
}

/** The fields of a Fastify (or Node HTTP) error this module looks at. */
interface HttpishError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message?: unknown;
}

/**
 * Map anything thrown while serving a request to an {@link OAuthError}:
 * our own errors as they are, protocol errors by their code, Fastify's body, content-type
 * and validation errors to their 4xx OAuth equivalent, an unreachable database to 503
 * `temporarily_unavailable`, anything else to a 500.
 */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof ProtocolError) {
    return new OAuthError(err.code, { description: err.message, detail: err.detail });
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
