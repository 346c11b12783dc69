/**
 * Typed errors of the SDK. Every error has a stable `code` (the OAuth `error` value when
 * the service answered, otherwise one of the SDK's own codes) and the HTTP `status`
 * (0 when no HTTP answer arrived), so callers can `switch (err.code)`.
 */
import type { WireErrorCode } from '@idsvc/protocol/web';
import type { WireExchange } from './wire.js';

/** Codes the SDK uses when the service itself did not name an OAuth error. */
export type ClientErrorCode = 'timeout' | 'network_error' | 'invalid_response' | 'handshake_unverified';

/** Every `code` an SDK error can carry: a wire error code of the service, or one of the SDK's own. */
export type IdentityErrorCode = WireErrorCode | ClientErrorCode;

/**
 * Base class of every error the SDK throws for a failed exchange.
 *
 * @example
 * ```ts
 * try {
 *   await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'test-user' });
 * } catch (err) {
 *   if (err instanceof IdentityClientError) console.log(err.status, err.code);
 * }
 * ```
 */
export class IdentityClientError extends Error {
  /** OAuth `error` code (`invalid_client`, `invalid_session`, …) or a {@link ClientErrorCode}. */
  readonly code: IdentityErrorCode;
  /** HTTP status of the answer, or 0 when none arrived. */
  readonly status: number;
  /** What went over the wire, when a request was sent; secrets are masked. */
  readonly wire: WireExchange | undefined;

  constructor(code: IdentityErrorCode, status: number, message: string, wire?: WireExchange, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityClientError';
    this.code = code;
    this.status = status;
    this.wire = wire;
  }
}

/**
 * The sidecar or the identity API answered with an error body `{error, error_description}`.
 * `encrypted` tells whether the answer came sealed from the identity API (the request got
 * through) or in plaintext from the sidecar (it stopped the request before forwarding it).
 *
 * @example
 * ```ts
 * try {
 *   await client.refresh({ refreshToken, accessToken });
 * } catch (err) {
 *   if (err instanceof ServiceError && err.code === 'invalid_grant') startOver();
 *   else throw err;
 * }
 * ```
 */
export class ServiceError extends IdentityClientError {
  declare readonly code: WireErrorCode;
  /** The service's public `error_description`. */
  readonly description: string;
  readonly encrypted: boolean;

  constructor(status: number, code: WireErrorCode, description: string, encrypted: boolean, wire?: WireExchange) {
    super(code, status, `${status} ${code}: ${description}`, wire);
    this.name = 'ServiceError';
    this.description = description;
    this.encrypted = encrypted;
  }
}

/**
 * No answer within the request timeout (`timeoutMs`, via `AbortSignal.timeout`).
 *
 * @example
 * ```ts
 * const client = new IdentityClient({ sidecarUrl, clientId, clientSecret, timeoutMs: 2000 });
 * await client.initSession().catch((err) => { if (err instanceof TimeoutError) retryLater(); });
 * ```
 */
export class TimeoutError extends IdentityClientError {
  constructor(url: string, timeoutMs: number, wire?: WireExchange) {
    super('timeout', 0, `no answer from ${url} within ${timeoutMs} ms`, wire);
    this.name = 'TimeoutError';
  }
}

/**
 * The sidecar could not be reached (connection refused, DNS failure, reset); `cause` has
 * the underlying error.
 *
 * @example
 * ```ts
 * if (err instanceof NetworkError) console.error(`is the sidecar running? (${err.message})`);
 * ```
 */
export class NetworkError extends IdentityClientError {
  constructor(url: string, cause: unknown, wire?: WireExchange) {
    super('network_error', 0, `cannot reach ${url}`, wire, { cause });
    this.name = 'NetworkError';
  }
}

/**
 * The answer could not be understood: not JSON, missing headers, or a sealed body that
 * does not authenticate. The reason stays generic on purpose.
 *
 * @example
 * ```ts
 * if (err instanceof ResponseError) console.error('SIDECAR_URL does not point to a sidecar?');
 * ```
 */
export class ResponseError extends IdentityClientError {
  constructor(status: number, message: string, wire?: WireExchange) {
    super('invalid_response', status, message, wire);
    this.name = 'ResponseError';
  }
}

/** Why a signed session init was refused (see {@link HandshakeUnverifiedError}). */
export type HandshakeFailure =
  /** The answer lacks `X-Handshake-Kid`, `X-Handshake-Signature` or `X-Handshake-Confirm`. */
  | 'missing'
  /** `X-Handshake-Kid` names no key the client trusts: unknown, or retired and dropped from the key set. */
  | 'unknown_key'
  /** The signature is malformed, or does not verify under that key over this handshake's transcript. */
  | 'bad_signature'
  /** The key confirmation MAC is malformed or does not match: whoever answered does not hold this session's secret. */
  | 'bad_confirmation'
  /** The sidecar's key set (`serverKeys` URL) could not be fetched or read. */
  | 'keys_unavailable';

/**
 * With `serverKeys` configured, the session init answer could not be shown to come from
 * the sidecar (docs/protocol.md section 12.1). The session was discarded before anything
 * was sent under it; nothing is retried. `reason` says which check failed, for logs; it is
 * the client's own finding and tells an attacker nothing it does not know.
 *
 * @example
 * ```ts
 * try {
 *   await client.initSession();
 * } catch (err) {
 *   if (err instanceof HandshakeUnverifiedError) alert(`not talking to our sidecar (${err.reason})`);
 * }
 * ```
 */
export class HandshakeUnverifiedError extends IdentityClientError {
  static readonly code = 'handshake_unverified';
  declare readonly code: 'handshake_unverified';
  readonly reason: HandshakeFailure;

  constructor(reason: HandshakeFailure, status: number, wire?: WireExchange, options?: { cause?: unknown }) {
    super(HandshakeUnverifiedError.code, status, `the session init answer is not vouched for by the sidecar (${reason})`, wire, options);
    this.name = 'HandshakeUnverifiedError';
    this.reason = reason;
  }
}
