/**
 * A small client of the wire protocol for tests, built on `@idsvc/protocol` the way an
 * outside client would be: its own key pair, session init, sealed requests, opened answers.
 * It can send through `app.inject` (no socket) or over HTTP, and exposes each step so
 * tests can tamper with any byte or header on the way.
 */
import type { FastifyInstance } from 'fastify';
import {
  buildAad,
  decodeBase64,
  encodeEnvelope,
  kidFromSessionId,
  makeIdempotencyKey,
  protocol,
  zeroize,
} from '@idsvc/protocol';

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
    const keys = await protocol.generateKeyPair();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-clientid': this.clientId,
      'x-idempotency-key': this.newKey().header,
      ...(options.bearer !== undefined ? { authorization: `Bearer ${options.bearer}` } : {}),
      ...(options.subject !== undefined ? { 'x-subject': options.subject } : {}),
      ...options.headers,
    };
    const body = JSON.stringify({ clientPublicKey: Buffer.from(keys.publicKey).toString('base64') });
    const response = await this.transport({ path: '/api/v1/session/init', headers, body });
    if (response.status === 200) {
      const answer = JSON.parse(response.body) as { sessionId: string; serverPublicKey: string; expiresInSec: number };
      const secret = await protocol.sharedSecret(keys.privateKey, decodeBase64(answer.serverPublicKey));
      const key = await protocol.deriveSessionKey(secret, answer.sessionId, this.clientId);
      zeroize(secret);
      if (this.session) zeroize(this.session.key);
      this.session = { sessionId: answer.sessionId, kid: kidFromSessionId(answer.sessionId), key, expiresInSec: answer.expiresInSec };
    }
    keys.privateKey.destroy();
    return response;
  }

  /** Seal `plaintext` for `path` under the current session, with the protocol's headers. */
  async seal(path: string, plaintext: string, headers: Record<string, string> = {}): Promise<SealedRequest> {
    const session = this.requireSession();
    const key = this.newKey();
    const aad = buildAad({ timestamp: key.timestamp, nonce: key.nonce, kid: session.kid, clientId: this.clientId });
    const payloadB64 = await protocol.seal(session.key, aad, plaintext);
    return {
      path,
      headers: {
        'content-type': 'application/json',
        'x-clientid': this.clientId,
        'x-kid': session.kid,
        'x-idempotency-key': key.header,
        ...headers,
      },
      body: encodeEnvelope(payloadB64),
      timestamp: key.timestamp,
      nonce: key.nonce,
      payloadB64,
    };
  }

  /** Open an answer: decrypt it when it carries `x-kid`, else take the plaintext error. */
  async open(response: WireResponse): Promise<CallResult> {
    const kid = response.headers['x-kid'];
    const responseKey = response.headers['x-idempotency-key'];
    if (kid === undefined || responseKey === undefined) {
      return { status: response.status, headers: response.headers, encrypted: false, text: response.body, json: safeJson(response.body) };
    }
    const session = this.requireSession();
    const dot = responseKey.indexOf('.');
    const aad = buildAad({ timestamp: responseKey.slice(0, dot), nonce: responseKey.slice(dot + 1), kid, clientId: this.clientId });
    const { payload } = JSON.parse(response.body) as { payload: string };
    const text = Buffer.from(await protocol.open(session.key, aad, payload)).toString('utf8');
    return { status: response.status, headers: response.headers, encrypted: true, text, json: safeJson(text) };
  }

  /**
   * One encrypted call: seal `plaintext` (a string is sent byte for byte, an object as
   * JSON), send it, open the answer. `sign` adds an HMAC `X-Signature` with this secret.
   */
  async call(
    path: string,
    plaintext: string | object,
    options: { authorization?: string; hmacSecret?: string; headers?: Record<string, string> } = {},
  ): Promise<CallResult> {
    const text = typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext);
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    const request = await this.seal(path, text, headers);
    if (options.hmacSecret !== undefined) {
      request.headers['x-signature'] = await protocol.sign({
        secret: options.hmacSecret,
        timestamp: request.timestamp,
        nonce: request.nonce,
        body: text,
      });
    }
    return this.open(await this.transport(request));
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
