/**
 * The SDK's wire client opened up for tests: sealing and opening are the SDK's own steps
 * (`@idsvc/client/message`), and this wrapper only adds what tests need around them: a
 * transport through `app.inject` (no socket) or HTTP, raw answers, and each step apart, so
 * a test can tamper with any byte or header between sealing and sending.
 */
import {
  openMessage,
  readSessionInitAnswer,
  sealMessage,
  sessionInitMessage,
  type SealingSession,
} from '@idsvc/client/message';
import type { FastifyInstance } from 'fastify';
import { kidFromSessionId, makeIdempotencyKey, protocol, zeroize } from '@idsvc/protocol';

/** A raw HTTP exchange. */
export interface WireRequest {
  method?: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface WireResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

/** How requests reach the sidecar. */
export type Transport = (request: WireRequest) => Promise<WireResponse>;

/** Send through `app.inject`: the full Fastify pipeline without a socket. */
export function injectTransport(app: FastifyInstance): Transport {
  return async ({ method = 'POST', path, headers, body }) => {
    const response = await app.inject({ method: method as 'POST', url: path, headers, ...(body !== undefined ? { payload: body } : {}) });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: response.statusCode, headers: out, body: response.body };
  };
}

/** Send over HTTP to a listening sidecar. */
export function httpTransport(baseUrl: string): Transport {
  return async ({ method = 'POST', path, headers, body }) => {
    const response = await fetch(new URL(path, baseUrl), { method, headers, ...(body !== undefined ? { body } : {}) });
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
    return { status: response.status, headers: out, body: await response.text() };
  };
}

/** A session as the client holds it. */
export interface ClientSession {
  sessionId: string;
  kid: string;
  key: Uint8Array;
  expiresInSec: number;
}

/** A sealed request ready to send, with what was used to build it. */
export interface SealedRequest extends WireRequest {
  body: string;
  timestamp: string;
  nonce: string;
  payloadB64: string;
}

/** An answer of an encrypted route: opened when it came encrypted, parsed JSON either way. */
export interface CallResult {
  status: number;
  headers: Record<string, string>;
  encrypted: boolean;
  /** The decrypted plaintext, or the plaintext error body. */
  text: string;
  json: unknown;
}

export interface WireClientOptions {
  transport: Transport;
  clientId: string;
  /** The client's clock, for its idempotency keys (default `Date.now`). */
  now?: () => number;
}

export class WireClient {
  readonly clientId: string;
  session: ClientSession | undefined;
  private readonly transport: Transport;
  private readonly now: () => number;
  #lastInit: WireRequest | undefined;

  constructor(options: WireClientOptions) {
    this.transport = options.transport;
    this.clientId = options.clientId;
    this.now = options.now ?? Date.now;
  }

  /** A fresh `X-Idempotency-Key` on the client's clock. */
  newKey(): { header: string; timestamp: string; nonce: string } {
    const nonce = crypto.randomUUID();
    const timestamp = String(this.now());
    return { header: makeIdempotencyKey(Number(timestamp), nonce), timestamp, nonce };
  }

  /** Raw send, for requests built by hand. */
  send(request: WireRequest): Promise<WireResponse> {
    return this.transport(request);
  }

  /**
   * Session init (docs/protocol.md section 3): anonymous, or authenticated with `bearer` and
   * `subject`. On 200 the new session replaces the old one, whose key is zeroized.
   */
  async initSession(options: { bearer?: string; subject?: string; headers?: Record<string, string> } = {}): Promise<WireResponse> {
    const init = await sessionInitMessage(protocol, this.clientId, { now: this.now(), bearer: options.bearer, subject: options.subject });
    const headers = { ...lowerCaseNames(init.headers), ...options.headers };
    this.#lastInit = { path: '/api/v1/session/init', headers, body: init.body };
    const response = await this.transport(this.#lastInit);
    if (response.status !== 200) {
      init.privateKey.destroy();
      return response;
    }
    // The byte path (the SDK itself keeps the key opaque): tests look for these bytes in logs.
    const answer = readSessionInitAnswer(JSON.parse(response.body));
    const secret = await protocol.sharedSecret(init.privateKey, answer.serverPublicKey);
    init.privateKey.destroy();
    const key = await protocol.deriveSessionKey(secret, answer.sessionId, this.clientId);
    zeroize(secret);
    if (this.session) zeroize(this.session.key);
    this.session = { sessionId: answer.sessionId, kid: kidFromSessionId(answer.sessionId), key, expiresInSec: answer.expiresInSec };
    return response;
  }

  /** The last session init this client sent, as it went out. */
  lastInitRequest(): WireRequest {
    if (this.#lastInit === undefined) throw new Error('no session init sent yet');
    return this.#lastInit;
  }

  /** The last session init sent again byte for byte (same key, same nonce): a replay. */
  replayInit(): Promise<WireResponse> {
    return this.transport(this.lastInitRequest());
  }

  /**
   * Seal `plaintext` for `path` under the current session, with the protocol's headers;
   * `headers` are set last (lower-case names), so a test can replace any of them.
   */
  async seal(path: string, plaintext: string, headers: Record<string, string> = {}, options: { hmacSecret?: string } = {}): Promise<SealedRequest> {
    const sealed = await sealMessage(protocol, this.sealingSession(), plaintext, { now: this.now(), hmacSecret: options.hmacSecret });
    return {
      path,
      headers: { ...lowerCaseNames(sealed.headers), ...headers },
      body: sealed.body,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      payloadB64: sealed.payloadB64,
    };
  }

  /** Open an answer: decrypt it when it carries `x-kid`, else take the plaintext error. */
  async open(response: WireResponse): Promise<CallResult> {
    if (response.headers['x-kid'] === undefined || response.headers['x-idempotency-key'] === undefined) {
      return { status: response.status, headers: response.headers, encrypted: false, text: response.body, json: safeJson(response.body) };
    }
    const text = await openMessage(protocol, this.sealingSession(), (name) => response.headers[name], JSON.parse(response.body));
    return { status: response.status, headers: response.headers, encrypted: true, text, json: safeJson(text) };
  }

  /**
   * One encrypted call: seal `plaintext` (a string is sent byte for byte, an object as
   * JSON), send it, open the answer. `hmacSecret` adds an HMAC `X-Signature`.
   */
  async call(
    path: string,
    plaintext: string | object,
    options: { authorization?: string; hmacSecret?: string; headers?: Record<string, string> } = {},
  ): Promise<CallResult> {
    const text = typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext);
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    const request = await this.seal(path, text, headers, options.hmacSecret !== undefined ? { hmacSecret: options.hmacSecret } : {});
    return this.open(await this.transport(request));
  }

  private sealingSession(): SealingSession {
    const session = this.requireSession();
    return { kid: session.kid, key: session.key, clientId: this.clientId };
  }

  private requireSession(): ClientSession {
    if (this.session === undefined) throw new Error('no session: call initSession() first');
    return this.session;
  }
}

/** `Basic base64(id:secret)`. */
export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64')}`;
}

function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
