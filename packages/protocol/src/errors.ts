/**
 * The error codes of the wire protocol (docs/protocol.md section 10, the error table), one table.
 *
 * Each code has exactly one HTTP status and one public description; the detail of
 * what went wrong belongs in the log, never in an answer.
 *
 * @example
 * ```ts
 * ERROR_CODES.replay_detected.status // 409
 * ```
 */
export const ERROR_CODES = {
  // Section 5: sidecar failures, before the session key is known (plaintext answers).
  invalid_request: { status: 400, description: 'The request is missing a required parameter or is malformed.' },
  payload_too_large: { status: 413, description: 'The request body exceeds the size limit.' },
  invalid_timestamp: { status: 400, description: 'The request timestamp is invalid or outside the allowed window.' },
  invalid_session: { status: 401, description: 'The session is unknown or expired; initialise a new session.' },
  decryption_failed: { status: 400, description: 'The payload could not be decrypted.' },
  replay_detected: { status: 409, description: 'This nonce has already been used.' },
  unauthorized: { status: 401, description: 'The bearer token or subject is not valid for an authenticated session.' },
  // Section 8: identity API (RFC 6749 section 5.2, RFC 6750, RFC 8707 names).
  invalid_client: { status: 401, description: 'Client authentication failed.' },
  invalid_token: { status: 401, description: 'The access token is invalid, expired or revoked.' },
  invalid_scope: { status: 400, description: 'The requested scope is not allowed for this client.' },
  invalid_target: { status: 400, description: 'The requested audience is not allowed for this client.' },
  invalid_grant: { status: 400, description: 'The refresh token is invalid, expired, revoked or already used.' },
  unsupported_grant_type: { status: 400, description: 'The grant type is not supported.' },
  // Operational answers.
  not_found: { status: 404, description: 'The requested resource does not exist.' },
  method_not_allowed: { status: 405, description: 'The method is not allowed on this resource.' },
  unsupported_media_type: { status: 415, description: 'The request body must be application/json.' },
  upstream_unavailable: { status: 502, description: 'The identity service is unavailable.' },
  temporarily_unavailable: { status: 503, description: 'The service is temporarily unavailable; retry later.' },
  server_error: { status: 500, description: 'The server encountered an unexpected condition.' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A protocol error code, e.g. `invalid_session`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * A code as it travels in an answer's `error` field: every `ErrorCode` but
 * `payload_too_large`, which travels as `invalid_request` (see `wireError`). Plain names,
 * not links: the SDK's reference documentation shows this type without the rest of the module.
 */
export type WireErrorCode = Exclude<ErrorCode, 'payload_too_large'>;

/**
 * `true` when `value` is a code an answer of this protocol can carry.
 *
 * @example
 * ```ts
 * isWireErrorCode('invalid_grant') // true
 * isWireErrorCode('payload_too_large') // false: it travels as invalid_request
 * ```
 */
export function isWireErrorCode(value: string): value is WireErrorCode {
  return Object.hasOwn(ERROR_CODES, value) && value !== 'payload_too_large';
}

/**
 * The wire name of a code. `payload_too_large` travels as `invalid_request` with status 413
 * (docs/protocol.md section 10); every other code travels under its own name.
 *
 * @example
 * ```ts
 * wireError('payload_too_large') // 'invalid_request'
 * ```
 */
export function wireError(code: ErrorCode): WireErrorCode {
  return code === 'payload_too_large' ? 'invalid_request' : code;
}

/** The OAuth error body: `{"error": ..., "error_description": ...}`. */
export interface ErrorBody {
  error: WireErrorCode;
  error_description: string;
}

/** Options of {@link ProtocolError} beyond its code, detail and description. */
export interface ProtocolErrorOptions {
  /** An HTTP status other than the code's own (e.g. 409 for a conflict). */
  status?: number;
  /** A `WWW-Authenticate` challenge to send with a 401. */
  challenge?: string;
}

/**
 * Base class of every error the services answer with: the wire checks of this package,
 * the sidecar's refusals and the identity API's OAuth errors all derive from it. `code` is
 * stable, so callers can `switch (err.code)`; `status` is the HTTP status the code answers
 * with. The message is the public description; `detail` is for logs only.
 *
 * @example
 * ```ts
 * try { decodePublicKey(b64) } catch (err) {
 *   if (err instanceof ProtocolError) reply.code(err.status).send(err.toBody())
 * }
 * ```
 */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly challenge: string | undefined;

  constructor(code: ErrorCode, detail?: string, description?: string, options: ProtocolErrorOptions = {}) {
    super(description ?? ERROR_CODES[code].description);
    this.name = 'ProtocolError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.detail = detail;
    this.challenge = options.challenge;
  }

  /** The body to send: the public description only, never the detail. */
  toBody(): ErrorBody {
    return { error: wireError(this.code), error_description: this.message };
  }
}

/**
 * The peer's public key is malformed or not a valid P-256 point. Answers 400 `invalid_request`.
 *
 * @example
 * ```ts
 * if (err instanceof InvalidPublicKeyError) log.info({ detail: err.detail }, 'bad client key')
 * ```
 */
export class InvalidPublicKeyError extends ProtocolError {
  constructor(detail?: string) {
    super('invalid_request', detail, 'The client public key is not a valid P-256 uncompressed point.');
    this.name = 'InvalidPublicKeyError';
  }
}

/**
 * An envelope payload did not authenticate. Answers 400 `decryption_failed`; the reason is never told.
 *
 * @example
 * ```ts
 * await expect(protocol.open(key, otherAad, payload)).rejects.toBeInstanceOf(DecryptionFailedError)
 * ```
 */
export class DecryptionFailedError extends ProtocolError {
  constructor(detail?: string) {
    super('decryption_failed', detail);
    this.name = 'DecryptionFailedError';
  }
}

/**
 * An `X-Idempotency-Key`, kid, envelope or other wire field is malformed. Answers 400 `invalid_request`.
 *
 * @example
 * ```ts
 * throw new MalformedInputError('x-clientid: missing', 'The X-ClientId header is required.')
 * ```
 */
export class MalformedInputError extends ProtocolError {
  constructor(detail: string, description?: string) {
    super('invalid_request', detail, description);
    this.name = 'MalformedInputError';
  }
}

/**
 * The timestamp is not a number or is outside the clock window. Answers 400 `invalid_timestamp`.
 *
 * @example
 * ```ts
 * checkTimestamp(timestampMs, clock.now()) // throws InvalidTimestampError when stale
 * ```
 */
export class InvalidTimestampError extends ProtocolError {
  constructor(detail?: string) {
    super('invalid_timestamp', detail);
    this.name = 'InvalidTimestampError';
  }
}

/**
 * 401 `unauthorized`: the bearer or subject of an authenticated session init was not
 * vouched for. One class for both services: the identity API throws it from its bearer
 * check, the sidecar when that check refuses.
 *
 * @example
 * ```ts
 * if (claims.sub !== subject) throw new UnauthorizedError('bearer subject differs')
 * ```
 */
export class UnauthorizedError extends ProtocolError {
  constructor(detail?: string) {
    super('unauthorized', detail);
    this.name = 'UnauthorizedError';
  }
}

/**
 * Build an error body for any code, with an optional more specific public description.
 *
 * @example
 * ```ts
 * reply.code(409).send(errorBody('replay_detected'))
 * ```
 */
export function errorBody(code: ErrorCode, description?: string): ErrorBody {
  return { error: wireError(code), error_description: description ?? ERROR_CODES[code].description };
}
