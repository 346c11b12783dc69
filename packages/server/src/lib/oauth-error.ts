/**
 * OAuth errors of the identity API (docs/protocol.md section 8), one class per `error` code,
 * all of them {@link ProtocolError}s. `unauthorized` is the protocol package's own
 * `UnauthorizedError`, shared with the sidecar.
 *
 * Each error carries a public description (sent to the client) and a private detail
 * (logged only): a client learns *that* authentication failed, never *why*.
 */
import { ProtocolError, type ErrorCode, type ProtocolErrorOptions } from '@idsvc/protocol';

/** Options shared by every {@link OAuthError}. */
export interface OAuthErrorOptions extends ProtocolErrorOptions {
  /** What went wrong, for the log only. */
  detail?: string;
  /** A public description more specific than the code's default. Never put secrets here. */
  description?: string;
  /** Seconds the caller should wait before retrying, sent as `Retry-After` (503 answers). */
  retryAfterSec?: number;
}

/**
 * The identity API's errors: a {@link ProtocolError} (one hierarchy for both services) built
 * from named options, with a `WWW-Authenticate` challenge where RFC 6750 wants one.
 */
export class OAuthError extends ProtocolError {
  readonly retryAfterSec: number | undefined;

  constructor(code: ErrorCode, options: OAuthErrorOptions = {}) {
    super(code, options.detail, options.description, { status: options.status, challenge: options.challenge });
    this.name = 'OAuthError';
    this.retryAfterSec = options.retryAfterSec;
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
