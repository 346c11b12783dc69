/**
 * OAuth errors of the identity API (PROTOCOL.md section 8), one class per `error` code.
 *
 * Each error carries a public description (sent to the client) and a private detail
 * (logged only): a client learns *that* authentication failed, never *why*.
 */
import { ERROR_CODES, wireError, type ErrorBody, type ErrorCode } from '@idsvc/protocol';

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
