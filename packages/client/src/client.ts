/**
 * The identity client: token issue, introspection, refresh and revocation through the
 * sidecar, with the session handled for the caller.
 */
import { PATHS, encodeBase64 } from '@idsvc/protocol/web';
import type { ClientContext, ProtocolApi } from './context.js';
import { ServiceError } from './errors.js';
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

/** Options of {@link IdentityClient}. Only the first three are required. */
export interface IdentityClientOptions {
  /** Base URL of the sidecar, e.g. `http://127.0.0.1:8141`. */
  sidecarUrl: string;
  clientId: string;
  /** Used for Basic authentication or as the HMAC key; never sent in clear, never logged. */
  clientSecret: string;
  /** `basic` (internal clients, default) or `hmac` (external clients). */
  authMethod?: AuthMethod;
  /** The `fetch` to use; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /**
   * Re-initialise an expired or refused session and repeat the call once, for calls that
   * are safe to repeat (issue, introspect). Default true.
   */
  renewSession?: boolean;
  /** Treat a session as expired this many seconds early, so it never lapses in flight (default 30). */
  expiryMarginSec?: number;
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

const utf8 = new TextEncoder();

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
  readonly #secret: string;
  readonly #renew: boolean;
  readonly #marginSec: number;
  #session: Session | undefined;
  /** The bearer and subject of the current authenticated session, to renew it the same way. */
  #sessionBearer: SessionBearer | undefined;
  #pendingInit: Promise<SessionResult> | undefined;
  /** Calls in flight per session: a replaced session is zeroized only once none use it. */
  readonly #inFlight = new Map<Session, number>();
  readonly #retired = new Set<Session>();

  constructor(options: IdentityClientCoreOptions) {
    if (!options.sidecarUrl || !options.clientId || !options.clientSecret) {
      throw new TypeError('sidecarUrl, clientId and clientSecret are required');
    }
    const authMethod = options.authMethod ?? 'basic';
    if (authMethod !== 'basic' && authMethod !== 'hmac') throw new TypeError('authMethod must be "basic" or "hmac"');
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clientId = options.clientId;
    this.authMethod = authMethod;
    this.#secret = options.clientSecret;
    this.#renew = options.renewSession ?? true;
    this.#marginSec = options.expiryMarginSec ?? 30;
    const transport = { fetch: fetchFn, timeoutMs: options.timeoutMs ?? 10_000 };
    const now = options.now ?? Date.now;
    this.#ctx = {
      protocol: options.protocol,
      transport,
      sidecarUrl: options.sidecarUrl,
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
   * Open an authenticated session with an active access token of this client and its
   * subject (TTL 1 h by default), replacing and zeroizing the current one.
   *
   * @example
   * ```ts
   * await client.refreshSession({ accessToken: tokens.access_token, subject: 'test-user' });
   * ```
   */
  refreshSession(bearer: SessionBearer, options: CallOptions = {}): Promise<SessionResult> {
    return this.#openSession(bearer, options.signal);
  }

  /**
   * Issue an access token (and a refresh token when asked), authenticated with Basic or an
   * HMAC signature. Repeated once on a new session if the sidecar refuses the session.
   *
   * @example
   * ```ts
   * const { data } = await client.issue({
   *   audience: 'orders-api', scope: 'orders.read', subject: 'test-user', includeRefreshToken: true,
   * });
   * ```
   */
  issue(request: IssueRequest, options: CallOptions = {}): Promise<CallResult<TokenResponse>> {
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
        ? { path: ROUTES.issue, body, hmacSecret: this.#secret }
        : { path: ROUTES.issue, body, authorization: this.#basic() };
    return this.#call<TokenResponse>(call, true, options.signal);
  }

  /**
   * Introspect a token (RFC 7662). The bearer defaults to the token itself. Repeated once
   * on a new session if the sidecar refuses the session.
   *
   * @example
   * ```ts
   * const { data } = await client.introspect(accessToken);
   * if (data.active) console.log(data.sub, data.scope);
   * ```
   */
  introspect(
    token: string,
    options: CallOptions & { bearer?: string; tokenTypeHint?: 'access_token' | 'refresh_token' } = {},
  ): Promise<CallResult<IntrospectionResponse>> {
    const body: Record<string, unknown> = { token };
    if (options.tokenTypeHint) body.token_type_hint = options.tokenTypeHint;
    const call = { path: ROUTES.introspect, body, authorization: `Bearer ${options.bearer ?? token}` };
    return this.#call<IntrospectionResponse>(call, true, options.signal);
  }

  /**
   * Rotate tokens with a refresh token; `accessToken` (of the same family, possibly
   * expired) is the bearer. Never repeated by the SDK: a refresh token is single-use, and
   * presenting it twice revokes its whole family.
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
    const body = { grant_type: 'refresh_token', refresh_token: params.refreshToken };
    const call = { path: ROUTES.refresh, body, authorization: `Bearer ${params.accessToken}` };
    return this.#call<TokenResponse>(call, false, options.signal);
  }

  /**
   * Revoke a token (RFC 7009); revoking a refresh token kills its whole family. The
   * answer is `{}` whether or not the token was known. Never repeated by the SDK.
   *
   * @example
   * ```ts
   * await client.revoke({ token: refreshToken, tokenTypeHint: 'refresh_token', accessToken });
   * ```
   */
  revoke(
    params: { token: string; accessToken: string; tokenTypeHint?: 'access_token' | 'refresh_token' },
    options: CallOptions = {},
  ): Promise<CallResult<Record<string, unknown>>> {
    const body: Record<string, unknown> = { token: params.token };
    if (params.tokenTypeHint) body.token_type_hint = params.tokenTypeHint;
    const call = { path: ROUTES.revoke, body, authorization: `Bearer ${params.accessToken}` };
    return this.#call<Record<string, unknown>>(call, false, options.signal);
  }

  /** Zeroize and forget the session. The client can be used again; it opens a new one. */
  close(): void {
    const old = this.#session;
    this.#session = undefined;
    this.#sessionBearer = undefined;
    if (old) this.#retire(old);
  }

  #basic(): string {
    return `Basic ${encodeBase64(utf8.encode(`${this.clientId}:${this.#secret}`))}`;
  }

  /** Open a session and make it current; concurrent callers share one handshake. */
  async #openSession(bearer: SessionBearer | undefined, signal?: AbortSignal): Promise<SessionResult> {
    const result = await initSession(this.#ctx, bearer, signal);
    const old = this.#session;
    this.#session = result.session;
    this.#sessionBearer = bearer;
    if (old) this.#retire(old);
    return result;
  }

  /** Renew the session the same way it was opened, once for all callers that need it. */
  #renewSession(signal?: AbortSignal): Promise<SessionResult> {
    this.#pendingInit ??= this.#openSession(this.#sessionBearer, signal).finally(() => {
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
