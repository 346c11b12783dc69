/**
 * Sessions: the ECDH handshake with the sidecar (PROTOCOL.md sections 3 and 4) and the
 * session key it yields, with its expiry and its zeroization.
 */
import {
  PATHS,
  decodePublicKey,
  encodeBase64,
  isSessionId,
  kidFromSessionId,
  makeIdempotencyKey,
  zeroize,
} from '@idsvc/protocol/web';
import { asRecord, errorFromAnswer, parseJson } from './answer.js';
import type { ClientContext } from './context.js';
import { ResponseError } from './errors.js';
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
 * An established session: its id, kid, expiry and the 32-byte AES key. The key lives only
 * here; {@link Session.zeroize} overwrites it, after which the session cannot seal anything.
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
  #key: Uint8Array | undefined;

  constructor(init: {
    sessionId: string;
    clientId: string;
    key: Uint8Array;
    expiresInSec: number;
    establishedAt: number;
    subject?: string | undefined;
  }) {
    this.sessionId = init.sessionId;
    this.kid = kidFromSessionId(init.sessionId);
    this.clientId = init.clientId;
    this.authenticated = init.subject !== undefined;
    this.subject = init.subject;
    this.expiresInSec = init.expiresInSec;
    this.establishedAt = init.establishedAt;
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

  /** The session key. Throws `TypeError` after {@link Session.zeroize}. */
  get key(): Uint8Array {
    if (!this.#key) throw new TypeError('the session key has been zeroized; initialise a new session');
    return this.#key;
  }

  /** Overwrite the key with zeros and forget it. Safe to call twice. */
  zeroize(): void {
    zeroize(this.#key);
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
  const { publicKey, privateKey } = await ctx.protocol.generateKeyPair();
  const body = JSON.stringify({ clientPublicKey: encodeBase64(publicKey) });
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ClientId': ctx.clientId,
    'X-Idempotency-Key': makeIdempotencyKey(ctx.now()),
  };
  if (bearer) {
    headers.Authorization = `Bearer ${bearer.accessToken}`;
    headers['X-Subject'] = bearer.subject;
  }
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

  const answer = await post(ctx.transport, url, headers, body, snapshot, signal);
  wire.status = answer.status;
  wire.responseHeaders = headersToObject(answer.headers);
  wire.responseBodyPlaintext = answer.text;
  if (answer.status !== 200) throw errorFromAnswer(answer.status, answer.text, false, snapshot());

  const fields = asRecord(parseJson(answer.text, answer.status, snapshot()));
  const sessionId = fields?.sessionId;
  const serverPublicKey = fields?.serverPublicKey;
  const expiresInSec = fields?.expiresInSec;
  if (
    typeof sessionId !== 'string' ||
    !isSessionId(sessionId) ||
    typeof serverPublicKey !== 'string' ||
    fields?.encAlg !== 'A256GCM' ||
    typeof expiresInSec !== 'number' ||
    !Number.isInteger(expiresInSec) ||
    expiresInSec <= 0
  ) {
    throw new ResponseError(answer.status, 'the session init answer is malformed', snapshot());
  }

  let shared: Uint8Array | undefined;
  try {
    shared = await ctx.protocol.sharedSecret(privateKey, decodePublicKey(serverPublicKey));
    const key = await ctx.protocol.deriveSessionKey(shared, sessionId, ctx.clientId);
    const session = new Session({
      sessionId,
      clientId: ctx.clientId,
      key,
      expiresInSec,
      establishedAt: ctx.now(),
      subject: bearer?.subject,
    });
    return { session, wire: snapshot() };
  } catch {
    throw new ResponseError(answer.status, 'the server public key is not a valid P-256 point', snapshot());
  } finally {
    zeroize(shared);
  }
}
