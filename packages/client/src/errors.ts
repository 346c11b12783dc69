/**
 * Typed errors of the SDK. Every error has a stable `code` (the OAuth `error` value when
 * the service answered, otherwise one of the SDK's own codes) and the HTTP `status`
 * (0 when no HTTP answer arrived), so callers can `switch (err.code)`. Each class whose
 * code is fixed also carries it as a static `code`, so `err.code === TimeoutError.code`
 * reads without a string literal.
 */
import type { WireErrorCode } from '@idsvc/protocol/web';
import type { WireExchange } from './wire.js';

/**
 * Codes the SDK uses when the service itself did not name an OAuth error:
 *
 * - `timeout`: no answer within `timeoutMs` ({@link TimeoutError});
 * - `aborted`: the caller's `signal` aborted the call ({@link AbortedError});
 * - `network_error`: the sidecar could not be reached ({@link NetworkError});
 * - `invalid_response`: an answer that is not the protocol's ({@link ResponseError});
 * - `no_live_bearer`: an authenticated session must be (re)opened and the client knows no
 *   live access token for its subject ({@link NoLiveBearerError});
 * - `handshake_unverified`: with `serverKeys` set, a session init answer the sidecar did
 *   not vouch for ({@link HandshakeUnverifiedError});
 * - `invalid_configuration`: the options cannot work ({@link ConfigurationError}).
 */
export type ClientErrorCode =
  | 'timeout'
  | 'aborted'
  | 'network_error'
  | 'invalid_response'
  | 'no_live_bearer'
  | 'invalid_configuration'
  | 'handshake_unverified';

/** Every `code` an SDK error can carry: a wire error code of the service, or one of the SDK's own. */
export type IdentityErrorCode = WireErrorCode | ClientErrorCode;

/** Extra detail an SDK error may carry besides its message. */
export interface IdentityClientErrorOptions {
  /** The underlying error (a `fetch` failure, an abort reason, a refused bearer). */
  cause?: unknown;
  /** What probably went wrong when the answer points at a common misconfiguration. */
  hint?: string | undefined;
}

/**
 * Base class of every error the SDK throws.
 *
 * @example
 * ```ts
 * try {
 *   await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'test-user' });
 * } catch (err) {
 *   if (err instanceof IdentityClientError) console.log(err.status, err.code, err.hint);
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
  /**
   * A likely cause when the failure looks like a common misconfiguration (a sidecar URL
   * that points at the identity API, a page origin missing from `CORS_ORIGINS`, …). It is
   * also appended to `message`.
   */
  readonly hint: string | undefined;

  constructor(code: IdentityErrorCode, status: number, message: string, wire?: WireExchange, options: IdentityClientErrorOptions = {}) {
    super(options.hint ? `${message}. ${options.hint}` : message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'IdentityClientError';
    this.code = code;
    this.status = status;
    this.wire = wire;
    this.hint = options.hint;
  }
}

/**
 * The sidecar or the identity API answered with an error body `{error, error_description}`.
 * `encrypted` tells whether the answer came sealed from the identity API (the request got
 * through) or in plaintext from the sidecar (it stopped the request before forwarding it).
 * Its `code` is the service's, one of the wire codes; there is no static `code`.
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

  constructor(status: number, code: WireErrorCode, description: string, encrypted: boolean, wire?: WireExchange, options: IdentityClientErrorOptions = {}) {
    super(code, status, `${status} ${code}: ${description}`, wire, options);
    this.name = 'ServiceError';
    this.description = description;
    this.encrypted = encrypted;
  }
}

/**
 * No answer within the request timeout (`timeoutMs`).
 *
 * @example
 * ```ts
 * const client = new IdentityClient({ sidecarUrl, clientId, clientSecret, timeoutMs: 2000 });
 * await client.initSession().catch((err) => { if (err.code === TimeoutError.code) retryLater(); });
 * ```
 */
export class TimeoutError extends IdentityClientError {
  static readonly code = 'timeout';
  declare readonly code: typeof TimeoutError.code;

  constructor(url: string, timeoutMs: number, wire?: WireExchange) {
    super(TimeoutError.code, 0, `no answer from ${url} within ${timeoutMs} ms`, wire);
    this.name = 'TimeoutError';
  }
}

/**
 * The caller's `signal` aborted the call. `cause` is the signal's reason (an `AbortError`
 * `DOMException` unless the caller gave another one).
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const pending = client.introspect(token, { signal: controller.signal });
 * controller.abort();
 * await pending.catch((err) => { if (err instanceof AbortedError) return; throw err; });
 * ```
 */
export class AbortedError extends IdentityClientError {
  static readonly code = 'aborted';
  declare readonly code: typeof AbortedError.code;

  constructor(url: string, reason: unknown, wire?: WireExchange) {
    super(AbortedError.code, 0, `the request to ${url} was aborted by the caller`, wire, { cause: reason });
    this.name = 'AbortedError';
  }
}

/**
 * The sidecar could not be reached (connection refused, DNS failure, reset, or in a
 * browser a cross-origin request the sidecar did not allow); `cause` has the underlying
 * error and `hint` says what to check.
 *
 * @example
 * ```ts
 * if (err instanceof NetworkError) console.error(err.message); // names CORS_ORIGINS in a browser
 * ```
 */
export class NetworkError extends IdentityClientError {
  static readonly code = 'network_error';
  declare readonly code: typeof NetworkError.code;

  constructor(url: string, cause: unknown, wire?: WireExchange, hint?: string) {
    super(NetworkError.code, 0, `cannot reach ${url}`, wire, { cause, hint });
    this.name = 'NetworkError';
  }
}

/**
 * The answer could not be understood: not JSON, missing headers, or a sealed body that
 * does not authenticate. The reason stays generic on purpose.
 *
 * @example
 * ```ts
 * if (err instanceof ResponseError) console.error(err.hint ?? 'does sidecarUrl point at a sidecar?');
 * ```
 */
export class ResponseError extends IdentityClientError {
  static readonly code = 'invalid_response';
  declare readonly code: typeof ResponseError.code;

  constructor(status: number, message: string, wire?: WireExchange, hint?: string) {
    super(ResponseError.code, status, message, wire, { hint });
    this.name = 'ResponseError';
  }
}

/**
 * An authenticated session had to be opened or renewed, and the client knows no live
 * access token of its subject: none was issued or rotated through this client, the last
 * one expired, or its family was revoked. Nothing was sent. Issue new tokens (or pass
 * `getAccessToken`), or go back to an anonymous session with `initSession()`.
 *
 * @example
 * ```ts
 * try {
 *   await client.introspect(token);
 * } catch (err) {
 *   if (err instanceof NoLiveBearerError) await client.initSession();
 * }
 * ```
 */
export class NoLiveBearerError extends IdentityClientError {
  static readonly code = 'no_live_bearer';
  declare readonly code: typeof NoLiveBearerError.code;
  /** The subject whose authenticated session could not be opened. */
  readonly subject: string;

  constructor(subject: string, cause?: unknown) {
    super(
      NoLiveBearerError.code,
      0,
      `no live access token of subject ${JSON.stringify(subject)} to open its authenticated session`,
      undefined,
      cause === undefined ? {} : { cause },
    );
    this.name = 'NoLiveBearerError';
    this.subject = subject;
  }
}

/**
 * The client's options cannot work: a missing client id, a `sidecarUrl` that is not an
 * http(s) URL, a client secret in a browser without `dangerouslyAllowSecretInBrowser`, or
 * `issue` on a client that has no secret. Thrown before anything is sent.
 *
 * @example
 * ```ts
 * new IdentityClient({ sidecarUrl: 'localhost:8141', clientId }); // ConfigurationError: not a URL
 * ```
 */
export class ConfigurationError extends IdentityClientError {
  static readonly code = 'invalid_configuration';
  declare readonly code: typeof ConfigurationError.code;

  constructor(message: string, hint?: string) {
    super(ConfigurationError.code, 0, message, undefined, { hint });
    this.name = 'ConfigurationError';
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
