/**
 * The identity client: token issue, introspection, refresh and revocation through the
 * sidecar, with the session handled for the caller.
 */
import { PATHS, encodeBase64 } from '@idsvc/protocol/web';
import { BearerTracker, peekClaims } from './bearers.js';
import type { ClientContext, ProtocolApi } from './context.js';
import { ConfigurationError, IdentityClientError, NoLiveBearerError, ServiceError } from './errors.js';
import { exchange, type EncryptedRequest } from './exchange.js';
import { serverKeySource, type ServerKeys } from './server-keys.js';
import { initSession, Session, type SessionBearer, type SessionResult } from './session.js';
import type {
  AuthMethod,
  CallOptions,
  CallResult,
  IntrospectionResponse,
  IssueRequest,
  TokenResponse,
} from './types.js';

/**
 * Sidecar routes of the four token operations.
 *
 * @example
 * ```ts
 * ROUTES.issue; // '/api/v1/token/issue'
 * ```
 */
export const ROUTES = {
  issue: PATHS.tokenIssue,
  introspect: PATHS.introspect,
  refresh: PATHS.refresh,
  revoke: PATHS.revoke,
} as const;

/** Options of {@link IdentityClient}. Only `sidecarUrl` and `clientId` are required. */
export interface IdentityClientOptions {
  /** Base URL of the sidecar (not of the identity API), e.g. `http://127.0.0.1:8141`. */
  sidecarUrl: string;
  clientId: string;
  /**
   * Used for Basic authentication or as the HMAC key; never sent in clear, never logged.
   * Only `issue` needs it: a client without one can still introspect, refresh and revoke
   * with bearers. The web entry refuses it unless `dangerouslyAllowSecretInBrowser` is set.
   */
  clientSecret?: string | undefined;
  /** `basic` (internal clients, default) or `hmac` (external clients). */
  authMethod?: AuthMethod;
  /** The `fetch` to use; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /**
   * Re-initialise an expired or refused session and repeat the call once when the sidecar
   * refused the session in plaintext (`401 invalid_session`: nothing was forwarded, so
   * repeating cannot do anything twice). Default true.
   */
  renewSession?: boolean;
  /**
   * This client's refresh grace window in seconds, as registered on the identity API
   * (`refresh_grace_seconds`, or the server's REFRESH_GRACE_SECONDS; docs/tokens.md).
   * When it is above 0, a refresh whose answer was lost (timeout, network error, 502) is
   * sent once more while the window surely still covers it: the server then answers with
   * the successor it already made, or rotates if it never did. Never set it above the
   * server's value: a late repeat is reuse, and revokes the family. Default 0: no repeat.
   */
  refreshGraceSec?: number;
  /** Treat a session as expired this many seconds early, so it never lapses in flight (default 30). */
  expiryMarginSec?: number;
  /**
   * Where the client gets a live access token when it needs a bearer it was not handed:
   * to renew an authenticated session (`subject` is the session's) and as the default
   * bearer of `introspect` (`subject` undefined: any token of this client will do).
   * Return `undefined` when there is none. Without it (or when it returns `undefined`),
   * the client uses the latest token issued or rotated through it that has not expired
   * or been revoked.
   */
  getAccessToken?: (subject: string | undefined) => string | undefined | Promise<string | undefined>;
  /**
   * The sidecar's handshake keys: its key set URL (normally
   * `<sidecarUrl>/.well-known/sidecar-jwks.json`), a key set object, or pinned keys. When
   * set, every session init must be signed by one of them and carry a matching key
   * confirmation, or it fails with `HandshakeUnverifiedError` before anything is sent
   * under the session (docs/protocol.md section 12.1). Unset: the handshake is not
   * checked, as before, and anyone able to rewrite the traffic can read it.
   */
  serverKeys?: ServerKeys;
}

/** Options of the environment-neutral client: the crypto API must be given. */
export interface IdentityClientCoreOptions extends IdentityClientOptions {
  protocol: ProtocolApi;
}

/** What an authenticated session is opened with: its subject and, optionally, the bearer. */
export interface AuthenticatedSessionRequest {
  subject: string;
  /**
   * A live access token of this client issued for `subject`. Defaults to the one the
   * client holds for `subject` (see {@link IdentityClientOptions.getAccessToken}).
   */
  accessToken?: string | undefined;
}

const utf8 = new TextEncoder();

/** A sidecar URL must be an absolute http(s) URL; anything else is refused before any request. */
function checkSidecarUrl(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ConfigurationError('sidecarUrl is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`sidecarUrl ${JSON.stringify(value)} is not a URL`, 'Give the sidecar\'s base URL with its scheme, e.g. http://127.0.0.1:8141');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`sidecarUrl must be an http or https URL, not ${url.protocol}`, 'Give the sidecar\'s base URL, e.g. https://sidecar.example');
  }
  if (url.search !== '' || url.hash !== '') throw new ConfigurationError('sidecarUrl must not have a query or a fragment');
  return value;
}

/**
 * A client of the sidecar. It opens a session on first use, seals every request, opens
 * every answer, and throws typed errors (`ServiceError` with `status` and `code`, …).
 * Use `@idsvc/client` in Node and `@idsvc/client/web` in browsers; both export this class
 * without the `protocol` option.
 *
 * @example
 * ```ts
 * const client = new IdentityClient({ protocol, sidecarUrl, clientId, clientSecret });
 * const { data } = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'u1' });
 * ```
 */
export class IdentityClientCore {
  readonly clientId: string;
  readonly authMethod: AuthMethod;
  readonly #ctx: ClientContext;
  readonly #secret: string | undefined;
  readonly #renew: boolean;
  readonly #marginSec: number;
  readonly #getAccessToken: IdentityClientOptions['getAccessToken'];
  /** The live access tokens the client knows, per subject, for renewals and introspection. */
  readonly #bearers = new BearerTracker();
  readonly #refreshGraceMs: number;
  /** Refreshes in flight by refresh token: concurrent calls on one token share one request. */
  readonly #refreshing = new Map<string, Promise<CallResult<TokenResponse>>>();
  #session: Session | undefined;
  /** The subject of the current authenticated session, to renew it as one (with a live bearer). */
  #sessionSubject: string | undefined;
  #pendingInit: Promise<SessionResult> | undefined;
  /** Calls in flight per session: a replaced session is zeroized only once none use it. */
  readonly #inFlight = new Map<Session, number>();
  readonly #retired = new Set<Session>();

  constructor(options: IdentityClientCoreOptions) {
    const sidecarUrl = checkSidecarUrl(options.sidecarUrl);
    if (typeof options.clientId !== 'string' || options.clientId === '') throw new ConfigurationError('clientId is required');
    if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
      throw new ConfigurationError('clientSecret must be a non-empty string when given');
    }
    const authMethod = options.authMethod ?? 'basic';
    if (authMethod !== 'basic' && authMethod !== 'hmac') throw new ConfigurationError('authMethod must be "basic" or "hmac"');
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clientId = options.clientId;
    this.authMethod = authMethod;
    this.#secret = options.clientSecret;
    this.#renew = options.renewSession ?? true;
    this.#marginSec = options.expiryMarginSec ?? 30;
    this.#getAccessToken = options.getAccessToken;
    const grace = options.refreshGraceSec ?? 0;
    if (!Number.isFinite(grace) || grace < 0) throw new TypeError('refreshGraceSec must be a number of seconds, 0 or more');
    this.#refreshGraceMs = grace * 1000;
    const transport = { fetch: fetchFn, timeoutMs: options.timeoutMs ?? 10_000 };
    const now = options.now ?? Date.now;
    this.#ctx = {
      protocol: options.protocol,
      transport,
      sidecarUrl,
      clientId: options.clientId,
      now,
      serverKeys: options.serverKeys === undefined ? undefined : serverKeySource(options.serverKeys, { protocol: options.protocol, transport, now }),
    };
  }

  /** The current session, if one is open. */
  get session(): Session | undefined {
    return this.#session;
  }

  /**
   * Open an anonymous session (TTL 30 min by default), replacing and zeroizing the current one.
   *
   * @example
   * ```ts
   * const { session } = await client.initSession();
   * console.log(session.kid, session.expiresInSec);
   * ```
   */
  initSession(options: CallOptions = {}): Promise<SessionResult> {
    return this.#openSession(undefined, options.signal);
  }

  /**
   * Open an authenticated session for `subject` (TTL 1 h by default), replacing and
   * zeroizing the current one. The bearer is `accessToken` when given, else the live
   * access token the client holds for `subject`. When the session expires it is renewed
   * as an authenticated session with whatever live token the client holds for `subject`
   * then (rotations through `refresh` are followed, revoked families forgotten), or fails
   * with {@link NoLiveBearerError} when there is none.
   *
   * @throws {@link NoLiveBearerError} when no `accessToken` is given and the client holds none for `subject`.
   *
   * @example
   * ```ts
   * await client.openAuthenticatedSession({ subject: 'test-user', accessToken: tokens.access_token });
   * ```
   */
  async openAuthenticatedSession(request: AuthenticatedSessionRequest, options: CallOptions = {}): Promise<SessionResult> {
    if (typeof request.subject !== 'string' || request.subject === '') throw new ConfigurationError('subject is required');
    if (request.accessToken !== undefined) {
      // The caller vouches for this token: it becomes the subject's current bearer.
      this.#bearers.remember(request.subject, { accessToken: request.accessToken }, this.#ctx.now());
    }
    const bearer = request.accessToken ?? (await this.#bearerFor(request.subject));
    return this.#openSession({ accessToken: bearer, subject: request.subject }, options.signal);
  }

  /**
   * Open an authenticated session with an access token of this client and its subject.
   *
   * @deprecated Renamed `openAuthenticatedSession` (it opens a session; it does not
   * refresh tokens, which is `refresh`). This alias goes away in the next minor version.
   */
  refreshSession(bearer: SessionBearer, options: CallOptions = {}): Promise<SessionResult> {
    return this.openAuthenticatedSession(bearer, options);
  }

  /**
   * Issue an access token (and a refresh token when asked), authenticated with Basic or an
   * HMAC signature. Repeated once on a new session if the sidecar refuses the session. The
   * new access token becomes the subject's current bearer (see `getAccessToken`).
   *
   * @throws {@link ConfigurationError} when the client has no `clientSecret`.
   *
   * @example
   * ```ts
   * const { data } = await client.issue({
   *   audience: 'orders-api', scope: 'orders.read', subject: 'test-user', includeRefreshToken: true,
   * });
   * ```
   */
  async issue(request: IssueRequest, options: CallOptions = {}): Promise<CallResult<TokenResponse>> {
    const secret = this.#secret;
    if (secret === undefined) throw new ConfigurationError('issue needs the clientSecret, which this client was not given');
    const body: Record<string, unknown> = {
      audience: request.audience,
      scope: request.scope,
      subject: request.subject,
    };
    if (request.includeRefreshToken !== undefined) body.include_refresh_token = request.includeRefreshToken;
    if (request.singleSession !== undefined) body.single_session = request.singleSession;
    if (request.customClaims !== undefined) body.custom_claims = request.customClaims;
    const call: EncryptedRequest =
      this.authMethod === 'hmac'
        ? { path: ROUTES.issue, body, hmacSecret: secret }
        : { path: ROUTES.issue, body, authorization: this.#basic(secret) };
    const result = await this.#call<TokenResponse>(call, true, options.signal);
    this.#bearers.remember(
      request.subject,
      { accessToken: result.data.access_token, refreshToken: result.data.refresh_token, expiresInSec: result.data.expires_in },
      this.#ctx.now(),
    );
    return result;
  }

  /**
   * Introspect a token (RFC 7662): `{active: true, …claims}` for a live token of this
   * client, exactly `{active: false}` for anything else (expired, revoked, another
   * client's, garbage). Repeated once on a new session if the sidecar refuses the session.
   *
   * The bearer that authenticates the call is, in this order: `options.bearer`; the
   * access token `getAccessToken(undefined)` returns; the latest live access token issued
   * or rotated through this client; and only when there is none, `token` itself. A token
   * refused as its own bearer is not active, so that case answers `{active: false}` too
   * (with the refusal's `status` and `wire`). Only a bad bearer the caller chose
   * (`options.bearer` or `getAccessToken`) throws `invalid_token`.
   *
   * @example
   * ```ts
   * const { data } = await client.introspect(accessToken);
   * if (data.active) console.log(data.sub, data.scope);
   * ```
   */
  async introspect(
    token: string,
    options: CallOptions & { bearer?: string; tokenTypeHint?: 'access_token' | 'refresh_token' } = {},
  ): Promise<CallResult<IntrospectionResponse>> {
    const body: Record<string, unknown> = { token };
    if (options.tokenTypeHint) body.token_type_hint = options.tokenTypeHint;
    const chosen = options.bearer ?? (this.#getAccessToken ? await this.#getAccessToken(undefined) : undefined);
    const bearer = chosen ?? this.#bearers.live(undefined, this.#ctx.now()) ?? token;
    const call = { path: ROUTES.introspect, body, authorization: `Bearer ${bearer}` };
    try {
      return await this.#call<IntrospectionResponse>(call, true, options.signal);
    } catch (err) {
      if (!(err instanceof ServiceError && err.code === 'invalid_token') || chosen !== undefined) throw err;
      if (bearer === token) {
        // Refused as its own bearer: it is not a live access token of this client.
        this.#bearers.forget(token);
        return { data: { active: false }, status: err.status, wire: err.wire as CallResult<unknown>['wire'], attempts: 1, sessionRenewal: undefined };
      }
      // A held bearer died (revoked elsewhere): forget it and try the next one.
      this.#bearers.forget(bearer);
      return this.introspect(token, options);
    }
  }

  /**
   * Rotate tokens with a refresh token; `accessToken` (of the same family, possibly
   * expired) is the bearer. A refresh token is single-use: presenting it twice revokes its
   * whole family, unless within the client's grace window. So the SDK
   * - sends one request for concurrent calls on the same refresh token, and gives every
   *   caller its answer (single-flight; a caller's `signal` stops only its own wait);
   * - repeats it on a new session after a plaintext `invalid_session` (the sidecar forwarded
   *   nothing, so the token was not presented);
   * - repeats it once after a timeout, a network error or a 502, only when
   *   `refreshGraceSec` says the server will answer a repeat with the same successor.
   *
   * The new access token replaces the old one as its subject's bearer; an `invalid_grant`
   * makes the client forget the family.
   *
   * @example
   * ```ts
   * const { data } = await client.refresh({ refreshToken, accessToken });
   * ```
   */
  refresh(
    params: { refreshToken: string; accessToken: string },
    options: CallOptions = {},
  ): Promise<CallResult<TokenResponse>> {
    let shared = this.#refreshing.get(params.refreshToken);
    if (shared === undefined) {
      shared = this.#tracked(this.#refreshOnce(params), params).finally(() => this.#refreshing.delete(params.refreshToken));
      this.#refreshing.set(params.refreshToken, shared);
    }
    return untilAborted(shared, options.signal);
  }

  /**
   * Revoke a token (RFC 7009); revoking a refresh token kills its whole family. The
   * answer is `{}` whether or not the token was known. Repeated on a new session after a
   * plaintext `invalid_session` only (nothing was forwarded; and revoking twice is harmless).
   *
   * @example
   * ```ts
   * await client.revoke({ token: refreshToken, tokenTypeHint: 'refresh_token', accessToken });
   * ```
   */
  async revoke(
    params: { token: string; accessToken: string; tokenTypeHint?: 'access_token' | 'refresh_token' },
    options: CallOptions = {},
  ): Promise<CallResult<Record<string, unknown>>> {
    const body: Record<string, unknown> = { token: params.token };
    if (params.tokenTypeHint) body.token_type_hint = params.tokenTypeHint;
    const call = { path: ROUTES.revoke, body, authorization: `Bearer ${params.accessToken}` };
    const result = await this.#call<Record<string, unknown>>(call, true, options.signal);
    // A revoked access token, or a refresh token whose family is now dead, is no bearer any more.
    this.#bearers.forget(params.token);
    return result;
  }

  /**
   * Zeroize and forget the session and the access tokens the client holds. The client can
   * be used again; it opens a new (anonymous) session.
   */
  close(): void {
    const old = this.#session;
    this.#session = undefined;
    this.#sessionSubject = undefined;
    this.#bearers.clear();
    if (old) this.#retire(old);
  }

  #basic(secret: string): string {
    return `Basic ${encodeBase64(utf8.encode(`${this.clientId}:${secret}`))}`;
  }

  /** Follow a refresh: its new tokens replace the family's; `invalid_grant` means the family is gone. */
  async #tracked(
    pending: Promise<CallResult<TokenResponse>>,
    spent: { refreshToken: string; accessToken: string },
  ): Promise<CallResult<TokenResponse>> {
    try {
      const result = await pending;
      const tokens = { accessToken: result.data.access_token, refreshToken: result.data.refresh_token, expiresInSec: result.data.expires_in };
      this.#bearers.rotated(spent, tokens, this.#ctx.now());
      return result;
    } catch (err) {
      if (err instanceof ServiceError && (err.code === 'invalid_grant' || err.code === 'invalid_token')) {
        this.#bearers.forget(spent.refreshToken);
        this.#bearers.forget(spent.accessToken);
      }
      throw err;
    }
  }

  /** The live access token to open `subject`'s authenticated session with, or {@link NoLiveBearerError}. */
  async #bearerFor(subject: string): Promise<string> {
    const given = this.#getAccessToken ? await this.#getAccessToken(subject) : undefined;
    const token = given ?? this.#bearers.live(subject, this.#ctx.now());
    if (token === undefined) throw new NoLiveBearerError(subject);
    return token;
  }

  /**
   * One refresh, shared by every concurrent caller: no caller's signal, only the request
   * timeout, so one caller giving up does not fail the others.
   */
  async #refreshOnce(params: { refreshToken: string; accessToken: string }): Promise<CallResult<TokenResponse>> {
    const body = { grant_type: 'refresh_token', refresh_token: params.refreshToken };
    const call = { path: ROUTES.refresh, body, authorization: `Bearer ${params.accessToken}` };
    // The server's window starts when it spends the token, after this moment: measuring
    // from here errs on the safe side.
    const started = this.#ctx.now();
    try {
      return await this.#call<TokenResponse>(call, true);
    } catch (err) {
      if (!answerLost(err) || this.#ctx.now() - started + REPEAT_MARGIN_MS >= this.#refreshGraceMs) throw err;
      const repeated = await this.#call<TokenResponse>(call, true);
      return { ...repeated, attempts: repeated.attempts + 1 };
    }
  }

  /** Open a session and make it current; concurrent callers share one handshake. */
  async #openSession(bearer: SessionBearer | undefined, signal?: AbortSignal): Promise<SessionResult> {
    let result: SessionResult;
    try {
      result = await initSession(this.#ctx, bearer, signal);
    } catch (err) {
      // The sidecar refused the bearer: it is dead, whatever the client believed.
      if (bearer && err instanceof ServiceError && err.code === 'unauthorized') {
        const subjectOfToken = peekClaims(bearer.accessToken).sub;
        if (subjectOfToken === undefined || subjectOfToken === bearer.subject) this.#bearers.forget(bearer.accessToken);
      }
      throw err;
    }
    const old = this.#session;
    this.#session = result.session;
    this.#sessionSubject = bearer?.subject;
    if (old) this.#retire(old);
    return result;
  }

  /**
   * Renew the session as the same kind, once for all callers that need it: an
   * authenticated one with the subject's current live bearer (never the one it was first
   * opened with, which has usually expired by then).
   */
  #renewSession(signal?: AbortSignal): Promise<SessionResult> {
    const subject = this.#sessionSubject;
    this.#pendingInit ??= (async () => {
      if (subject === undefined) return this.#openSession(undefined, signal);
      const accessToken = await this.#bearerFor(subject);
      try {
        return await this.#openSession({ accessToken, subject }, signal);
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'unauthorized' && !err.encrypted) throw new NoLiveBearerError(subject, err);
        throw err;
      }
    })().finally(() => {
      this.#pendingInit = undefined;
    });
    return this.#pendingInit;
  }

  async #call<T>(request: EncryptedRequest, repeatable: boolean, signal?: AbortSignal): Promise<CallResult<T>> {
    let renewal: SessionResult | undefined;
    // Opening a session before anything is sent is always safe, whatever the call.
    if (this.#pendingInit) await this.#pendingInit;
    if (!this.#session || this.#session.isExpired(this.#ctx.now(), this.#marginSec)) {
      renewal = await this.#renewSession(signal);
    }
    let session = this.#session as Session;
    try {
      const result = await this.#send(session, request, signal);
      return { ...result, data: result.data as T, attempts: 1, sessionRenewal: renewal };
    } catch (err) {
      // A plaintext invalid_session means the sidecar forwarded nothing; repeat only what is safe to repeat.
      const refused = err instanceof ServiceError && err.code === 'invalid_session' && !err.encrypted;
      if (!refused || !repeatable || !this.#renew) throw err;
      renewal = this.#session === session ? await this.#renewSession(signal) : renewal;
      session = this.#session as Session;
      const result = await this.#send(session, request, signal);
      return { ...result, data: result.data as T, attempts: 2, sessionRenewal: renewal };
    }
  }

  async #send(session: Session, request: EncryptedRequest, signal?: AbortSignal) {
    this.#inFlight.set(session, (this.#inFlight.get(session) ?? 0) + 1);
    try {
      return await exchange(this.#ctx, session, request, signal);
    } finally {
      const left = (this.#inFlight.get(session) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(session, left);
      else {
        this.#inFlight.delete(session);
        if (this.#retired.delete(session)) session.zeroize();
      }
    }
  }

  /** Zeroize a replaced session now, or as soon as the calls still using it finish. */
  #retire(session: Session): void {
    if (this.#inFlight.has(session)) this.#retired.add(session);
    else session.zeroize();
  }
}

/**
 * Time kept in hand when repeating a refresh: the repeat must reach the server (and be read)
 * before the grace window closes.
 */
const REPEAT_MARGIN_MS = 2000;

/**
 * A failure after which the request may have done its work without the answer arriving:
 * no answer in time, a broken connection, or the sidecar's 502 (it gave up on the identity
 * API, which may have committed the rotation or, past the sidecar's deadline, rolled it back).
 */
function answerLost(err: unknown): boolean {
  if (!(err instanceof IdentityClientError)) return false;
  return err.code === 'timeout' || err.code === 'network_error' || err.status === 502;
}

/** `work`, or the abort of `signal` if that comes first (`work` itself goes on). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
