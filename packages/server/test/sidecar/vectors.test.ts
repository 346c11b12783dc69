/**
 * The protocol's fixed vectors (made by an independent implementation, kept as fixtures in
 * packages/protocol/test/vectors), replayed against a live sidecar: an existing client's
 * exact bytes must be served unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildAad,
  encodeBase64,
  importPrivateKeySync,
  parseIdempotencyKey,
  protocol,
  sessionIdFromKid,
} from '@idsvc/protocol';
import { ManualClock } from '../../src/lib/clock.js';
import { injectTransport, type WireResponse } from '../helpers/wire-client.js';
import { loadVectors } from '../../../protocol/test/support/vectors.js';
import { handshakeKey, type TestSidecar, testSidecar } from './fixtures.js';

interface Chain {
  name: string;
  clientId: string;
  serverPrivateKeyHex: string;
  sessionKeyHex: string;
  sessionInit: {
    requestHeaders: Record<string, string>;
    requestBody: { clientPublicKey: string };
    responseHeaders: Record<string, string>;
    responseBody: { sessionId: string; serverPublicKey: string; encAlg: string; expiresInSec: number };
  };
  request: { path: string; headers: Record<string, string>; plaintext: string; payloadB64: string };
  response: { status: number; headers: Record<string, string>; plaintext: string };
}

interface Negative {
  name: string;
  kind: 'publicKey' | 'envelope' | 'hmac' | 'idempotencyKey';
  input: Record<string, string | number>;
  expected: { result: 'accept' | 'reject'; httpStatus?: number; errorCodes?: string[]; plaintext?: string };
}

interface SignedHandshake {
  name: string;
  transcriptHex: string;
  confirmHex: string;
  handshakeKey: { privateKeyHex: string; publicJwk: { kty: string; crv: string; x: string; y: string; kid: string } };
  responseHeaders: Record<string, string>;
}

const chains = loadVectors<Chain>('session_chain.json').cases;
/** The signed form of the same session init (docs/protocol.md section 12.1). */
const signed = loadVectors<SignedHandshake>('signed_handshake.json').cases.find((c) => c.name === 'dev-client-anonymous')!;
const negatives = loadVectors<Negative>('negative.json').cases;

let sidecar: TestSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

/** Raw HTTP with the exact header names and body bytes given. */
async function rawPost(base: string, path: string, headers: Record<string, string>, body: string): Promise<WireResponse> {
  const response = await fetch(new URL(path, base), { method: 'POST', headers, body });
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  return { status: response.status, headers: out, body: await response.text() };
}

/** Open a sealed answer with the vector's session key and the answer's own headers. */
async function openAnswer(key: Uint8Array, clientId: string, response: WireResponse): Promise<string> {
  const { timestamp, nonce } = parseIdempotencyKey(response.headers['x-idempotency-key']!);
  const aad = buildAad({ timestamp, nonce, kid: response.headers['x-kid']!, clientId });
  const { payload } = JSON.parse(response.body) as { payload: string };
  return Buffer.from(await protocol.open(key, aad, payload)).toString('utf8');
}

describe.each(chains)('session_chain.json $name against a live sidecar', (chain) => {
  const requestKey = parseIdempotencyKey(chain.request.headers['X-Idempotency-Key']!);

  /** A listening sidecar whose next key pair and session id are the vector's, at the vector's time. */
  async function liveSidecar(): Promise<string> {
    sidecar = await testSidecar({
      clock: new ManualClock(requestKey.timestampMs),
      generateKeyPair: () => importPrivateKeySync(Buffer.from(chain.serverPrivateKeyHex, 'hex')),
      newSessionId: () => chain.sessionInit.responseBody.sessionId,
    });
    sidecar.fake.answer = () => ({ status: chain.response.status, body: chain.response.plaintext });
    // The handshake key of the signed vector, so the new headers can be compared with it too.
    const { kty, crv, x, y } = signed.handshakeKey.publicJwk;
    sidecar.fake.handshake = await handshakeKey({ kty, crv, x, y, d: Buffer.from(signed.handshakeKey.privateKeyHex, 'hex').toString('base64url') });
    return sidecar.app.listen({ host: '127.0.0.1', port: 0 });
  }

  async function init(base: string): Promise<WireResponse> {
    const { requestHeaders, requestBody } = chain.sessionInit;
    // The body as a Python client serialises it: json.dumps with its default spacing.
    const body = `{"clientPublicKey": "${requestBody.clientPublicKey}"}`;
    const response = await rawPost(base, '/api/v1/session/init', requestHeaders, body);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual(chain.sessionInit.responseBody);
    expect(response.headers['x-kid']).toBe(chain.sessionInit.responseHeaders['X-Kid']);
    return response;
  }

  it('signs that same session init: the MAC and kid of signed_handshake.json, and a signature over its transcript', async () => {
    const base = await liveSidecar();
    const response = await init(base);
    expect(response.headers['x-handshake-kid']).toBe(signed.responseHeaders['X-Handshake-Kid']);
    expect(response.headers['x-handshake-confirm']).toBe(signed.responseHeaders['X-Handshake-Confirm']);
    const transcript = Buffer.from(signed.transcriptHex, 'hex');
    expect(await protocol.verifyHandshakeSignature(signed.handshakeKey.publicJwk, transcript, response.headers['x-handshake-signature'])).toBe(true);
  });

  it('answers session init with the vector server key and session, then serves the exact request bytes', async () => {
    const base = await liveSidecar();
    await init(base);

    const body = `{"payload": "${chain.request.payloadB64}"}`;
    const response = await rawPost(base, chain.request.path, chain.request.headers, body);
    expect(response.status).toBe(chain.response.status);
    expect(response.headers['x-kid']).toBe(chain.response.headers['X-Kid']);
    const forwarded = sidecar!.fake.received.at(-1)!;
    expect(forwarded.path).toBe(chain.request.path);
    expect(forwarded.body.toString('utf8')).toBe(chain.request.plaintext);
    const plaintext = await openAnswer(Buffer.from(chain.sessionKeyHex, 'hex'), chain.clientId, response);
    expect(plaintext).toBe(chain.response.plaintext);
  });

  it('accepts X-Clientid header casing and another client\'s JSON spacing, byte for byte', async () => {
    const base = await liveSidecar();
    await init(base);
    const key = Buffer.from(chain.sessionKeyHex, 'hex');
    const kid = chain.request.headers['X-Kid']!;
    const nonce = crypto.randomUUID();
    const timestamp = String(requestKey.timestampMs + 1);
    const plaintext = '{"token": "opaque-token-value", "token_type_hint": "refresh_token"}';
    const payload = await protocol.seal(key, buildAad({ timestamp, nonce, kid, clientId: chain.clientId }), plaintext);
    const response = await rawPost(
      base,
      chain.request.path,
      { 'Content-Type': 'application/json', 'X-Clientid': chain.clientId, 'X-Kid': kid, 'X-Idempotency-Key': `${timestamp}.${nonce}` },
      `{\n  "payload" : "${payload}"\n}`,
    );
    expect(response.status).toBe(200);
    expect(sidecar!.fake.received.at(-1)!.body.toString('utf8')).toBe(plaintext);
    expect(await openAnswer(key, chain.clientId, response)).toBe(chain.response.plaintext);
  });

  it('refuses the vector request replayed after it was served', async () => {
    const base = await liveSidecar();
    await init(base);
    const body = `{"payload": "${chain.request.payloadB64}"}`;
    expect((await rawPost(base, chain.request.path, chain.request.headers, body)).status).toBe(200);
    expect((await rawPost(base, chain.request.path, chain.request.headers, body)).status).toBe(409);
  });
});

describe('negative.json through the sidecar', () => {
  const initHeaders = (key: string) => ({ 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-idempotency-key': key });

  function expectAnswer(response: WireResponse, expected: Negative['expected']): void {
    if (expected.result === 'accept') {
      expect(response.status).toBe(200);
      return;
    }
    expect(response.status).toBe(expected.httpStatus);
    expect(expected.errorCodes).toContain((JSON.parse(response.body) as { error: string }).error);
  }

  it.each(negatives.filter((c) => c.kind === 'publicKey'))('$name at session init', async ({ input, expected }) => {
    sidecar = await testSidecar();
    const client = sidecar.client();
    const response = await client.send({
      path: '/api/v1/session/init',
      headers: initHeaders(client.newKey().header),
      body: JSON.stringify({ clientPublicKey: input.clientPublicKeyB64 }),
    });
    expectAnswer(response, expected);
  });

  it.each(negatives.filter((c) => c.kind === 'idempotencyKey'))('$name at session init', async ({ input, expected }) => {
    sidecar = await testSidecar({ clock: new ManualClock(input.serverNowMs as number) });
    const keys = await protocol.generateKeyPair();
    const response = await sidecar.client().send({
      path: '/api/v1/session/init',
      headers: initHeaders(input.idempotencyKey as string),
      body: JSON.stringify({ clientPublicKey: encodeBase64(keys.publicKey) }),
    });
    expectAnswer(response, expected);
  });

  it.each(negatives.filter((c) => c.kind === 'envelope'))('$name on an encrypted route', async ({ input, expected }) => {
    const [timestamp, nonce, kid, clientId] = (input.aad as string).split('|') as [string, string, string, string];
    sidecar = await testSidecar({ clock: new ManualClock(Number(timestamp)) });
    // The session the receiver holds: the vector's key, bound to the client id of the AAD.
    await sidecar.stores.sessions.put({
      id: sessionIdFromKid(kid),
      clientId,
      type: 'anonymous',
      subject: undefined,
      expiresAtMs: Number(timestamp) + 1800_000,
      key: Buffer.from(input.keyHex as string, 'hex'),
    });
    const response = await injectTransport(sidecar.app)({
      path: '/api/v1/introspect',
      headers: { 'content-type': 'application/json', 'x-clientid': clientId, 'x-kid': kid, 'x-idempotency-key': `${timestamp}.${nonce}` },
      body: JSON.stringify({ payload: input.payloadB64 }),
    });
    expectAnswer(response, expected);
    // Only an accepted envelope reaches the upstream, and as its plaintext.
    expect(sidecar.fake.received.map((r) => r.body.toString('utf8'))).toEqual(expected.result === 'accept' ? [expected.plaintext] : []);
  });
});
