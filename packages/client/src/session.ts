/**
 * Sessions: the ECDH handshake with the sidecar (docs/protocol.md sections 3 and 4) and the
 * session key it yields, with its expiry and its zeroization.
 */
import { PATHS, kidFromSessionId, type SessionKeyHandle } from '@idsvc/protocol/web';
import { errorFromAnswer, parseJson, sessionInitHint } from './answer.js';
import type { ClientContext } from './context.js';
import { HandshakeUnverifiedError, ResponseError } from './errors.js';
import { HandshakeRefusedError, authenticateHandshake } from './handshake-auth.js';
import { UnusableInitAnswerError, completeSessionInit, sessionInitMessage, type InitAnswerCheck } from './handshake.js';
import { joinUrl, post } from './http.js';
import { elapsedMs, headersToObject, maskHeaders, type WireExchange } from './wire.js';

/** The sidecar route of both session forms. */
export const SESSION_INIT_PATH = PATHS.sessionInit;

/** Credentials for an authenticated session: an active access token and its subject. */
export interface SessionBearer {
  accessToken: string;
  subject: string;
}

/**
 * An established session: its id, kid, expiry and its AES-256-GCM key. The key is an
 * opaque handle: on WebCrypto a non-extractable CryptoKey that script can use but never
 * read, on node bytes behind the handle with no way out. Nothing on a session returns
 * raw key material. {@link Session.zeroize} destroys the key, after which the session
 * cannot seal anything.
 *
 * @example
 * ```ts
 * const { session } = await client.initSession();
 * session.kid;                         // 'session:S-…'
 * session.secondsLeft(Date.now());     // 1800
 * session.isExpired(Date.now(), 30);   // false
 * ```
 */
export class Session {
  /** `S-` followed by 32 lowercase hex characters. */
  readonly sessionId: string;
  /** `session:<sessionId>`, sent as `X-Kid`. */
  readonly kid: string;
  readonly clientId: string;
  /** True for a session opened with a bearer token and subject (TTL 1 h by default). */
  readonly authenticated: boolean;
  /** The subject of an authenticated session. */
  readonly subject: string | undefined;
  /** The lifetime the sidecar granted, in seconds. */
  readonly expiresInSec: number;
  /** When the sidecar's answer arrived (ms since the epoch, by the client's clock). */
  readonly establishedAt: number;
  /**
   * The `kid` of the sidecar handshake key whose signature and key confirmation the client
   * checked (with the `serverKeys` option); undefined when the init was not checked.
   */
  readonly handshakeKid: string | undefined;
  #key: SessionKeyHandle | undefined;

  constructor(init: {
    sessionId: string;
    clientId: string;
    key: SessionKeyHandle;
    expiresInSec: number;
    establishedAt: number;
    subject?: string | undefined;
    handshakeKid?: string | undefined;
  }) {
    this.sessionId = init.sessionId;
    this.kid = kidFromSessionId(init.sessionId);
    this.clientId = init.clientId;
    this.authenticated = init.subject !== undefined;
    this.subject = init.subject;
    this.expiresInSec = init.expiresInSec;
    this.establishedAt = init.establishedAt;
    this.handshakeKid = init.handshakeKid;
    this.#key = init.key;
  }

  /** Expiry time in ms since the epoch. */
  get expiresAt(): number {
    return this.establishedAt + this.expiresInSec * 1000;
  }

  /** Whole seconds left at `nowMs` (never negative). */
  secondsLeft(nowMs: number): number {
    return Math.max(0, Math.floor((this.expiresAt - nowMs) / 1000));
  }

  /** True when the session is expired at `nowMs`, or will be within `marginSec`. */
  isExpired(nowMs: number, marginSec = 0): boolean {
    return nowMs >= this.expiresAt - marginSec * 1000;
  }

  /** True once the key has been overwritten. */
  get zeroized(): boolean {
    return this.#key === undefined;
  }

  /**
   * The session key as an opaque handle, to seal and open with (`@idsvc/client/message`).
   * It has no bytes to give: on WebCrypto `crypto.subtle.exportKey` refuses it.
   * Throws `TypeError` after {@link Session.zeroize}.
   */
  get key(): SessionKeyHandle {
    if (!this.#key) throw new TypeError('the session key has been zeroized; initialise a new session');
    return this.#key;
  }

  /** Destroy the key (node: overwrite its bytes with zeros) and forget it. Safe to call twice. */
  zeroize(): void {
    this.#key?.destroy();
    this.#key = undefined;
  }

  /** A description without the key, for logs and UIs. */
  toJSON(): Record<string, unknown> {
    return {
      sessionId: this.sessionId,
      kid: this.kid,
      authenticated: this.authenticated,
      subject: this.subject,
      expiresInSec: this.expiresInSec,
      handshakeKid: this.handshakeKid,
    };
  }
}

/** A new session and the exchange that made it. */
export interface SessionResult {
  session: Session;
  wire: WireExchange;
}

/**
 * Run the handshake: make an ephemeral P-256 key pair, send its public key, derive the
 * session key from the sidecar's answer. With `bearer`, the session is authenticated.
 * With `ctx.serverKeys`, the answer must carry a valid signature by a trusted sidecar
 * handshake key and a matching key confirmation, or no session is made and
 * `HandshakeUnverifiedError` is thrown (fail closed).
 * Throws a typed `IdentityClientError` subclass on any failure. Most callers use
 * `IdentityClient.initSession()` instead, which also keeps and replaces the session.
 *
 * @example
 * ```ts
 * const ctx = { protocol, transport: { fetch, timeoutMs: 5000 }, sidecarUrl, clientId, now: Date.now };
 * const { session, wire } = await initSession(ctx);
 * ```
 */
export async function initSession(
  ctx: ClientContext,
  bearer?: SessionBearer,
  signal?: AbortSignal,
): Promise<SessionResult> {
  const startedAt = performance.now();
  const url = joinUrl(ctx.sidecarUrl, SESSION_INIT_PATH);
  const { headers, body, privateKey, publicKey, idempotencyKey } = await sessionInitMessage(ctx.protocol, ctx.clientId, {
    now: ctx.now(),
    bearer: bearer?.accessToken,
    subject: bearer?.subject,
  });
  const wire: WireExchange = {
    method: 'POST',
    url,
    requestHeaders: maskHeaders(headers),
    requestBodyPlaintext: body,
    requestBodyEncrypted: undefined,
    status: 0,
    responseHeaders: {},
    responseBodyEncrypted: undefined,
    responseBodyPlaintext: undefined,
    durationMs: 0,
  };
  const snapshot = (): WireExchange => ({ ...wire, durationMs: elapsedMs(startedAt) });

  try {
    const answer = await post(ctx.transport, url, headers, body, snapshot, signal);
    wire.status = answer.status;
    wire.responseHeaders = headersToObject(answer.headers);
    wire.responseBodyPlaintext = answer.text;
    if (answer.status !== 200) {
      throw errorFromAnswer(answer.status, answer.text, false, snapshot(), sessionInitHint(answer.status, answer.text));
    }
    const fields = parseJson(answer.text, answer.status, snapshot());
    const serverKeys = ctx.serverKeys;
    const check: InitAnswerCheck | undefined = serverKeys
      ? (init, secret) =>
          authenticateHandshake(
            { protocol: ctx.protocol, keys: serverKeys, signal },
            { clientId: ctx.clientId, publicKey, idempotencyKey, subject: bearer?.subject },
            init,
            (name) => answer.headers.get(name),
            secret,
          )
      : undefined;
    let keys;
    try {
      keys = await completeSessionInit(ctx.protocol, ctx.clientId, privateKey, fields, check);
    } catch (err) {
      if (err instanceof HandshakeRefusedError) {
        throw new HandshakeUnverifiedError(err.reason, answer.status, snapshot(), { cause: err.cause });
      }
      if (!(err instanceof UnusableInitAnswerError)) throw err;
      throw new ResponseError(answer.status, err.message, snapshot());
    }
    const session = new Session({
      sessionId: keys.sessionId,
      clientId: ctx.clientId,
      key: keys.key,
      expiresInSec: keys.expiresInSec,
      establishedAt: ctx.now(),
      subject: bearer?.subject,
      handshakeKid: keys.handshakeKid,
    });
    return { session, wire: snapshot() };
  } finally {
    // The ephemeral key serves this one handshake, whatever its outcome.
    privateKey.destroy();
  }
}
