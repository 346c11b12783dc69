/**
 * docs/protocol.md section 5: every failure before a key is known answers in plaintext with the
 * status and `error` of the table, in the OAuth shape, and never says why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildAad, encodeEnvelope, errorBody, protocol } from '@idsvc/protocol';
import type { WireClient, WireResponse } from '../helpers/wire-client.js';
import { type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar;
let client: WireClient;
beforeEach(async () => {
  sidecar = await testSidecar();
  client = sidecar.client();
  await client.initSession();
});
afterEach(async () => {
  await sidecar.close();
});

const INTROSPECT = '/api/v1/introspect';
const PLAINTEXT = '{"token":"t"}';

function expectError(response: WireResponse, status: number, error: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  // Plaintext: no session headers, and exactly the OAuth shape.
  expect(response.headers['x-kid']).toBeUndefined();
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
}

/** A sealed request with one header changed or removed after sealing. */
async function sealedWith(headers: Record<string, string | undefined>): Promise<WireResponse> {
  const request = await client.seal(INTROSPECT, PLAINTEXT);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete request.headers[name];
    else request.headers[name] = value;
  }
  return client.send(request);
}

describe('400 invalid_request: missing or malformed header, body or public key', () => {
  it.each(['x-clientid', 'x-idempotency-key', 'x-kid'])('a request without %s', async (name) => {
    expectError(await sealedWith({ [name]: undefined }), 400, 'invalid_request');
  });

  it.each([
    ['x-idempotency-key without "."', { 'x-idempotency-key': '1767225600000' }],
    ['a nonce shorter than 16 characters', { 'x-idempotency-key': `${Date.now()}.short-nonce` }],
    ['a nonce containing spaces', { 'x-idempotency-key': `${Date.now()}.a nonce with spaces in it` }],
    ['a kid without the session: prefix', { 'x-kid': 'S-0123456789abcdef0123456789abcdef' }],
    ['a kid with an upper-case session id', { 'x-kid': 'session:S-0123456789ABCDEF0123456789ABCDEF' }],
    ['an empty client id', { 'x-clientid': '' }],
  ])('%s', async (_name, headers) => {
    expectError(await sealedWith(headers), 400, 'invalid_request');
  });

  it.each([
    ['not JSON', 'not json at all'],
    ['JSON without payload', '{"data":"x"}'],
    ['a payload that is not a string', '{"payload":42}'],
    ['a payload that is not base64', '{"payload":"!!!not-base64!!!"}'],
    ['base64 without padding', '{"payload":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'],
    ['a payload shorter than 28 bytes', encodeEnvelope(Buffer.alloc(27).toString('base64'))],
    ['an empty body', ''],
  ])('a body that is %s', async (_name, body) => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    expectError(await client.send({ ...request, body }), 400, 'invalid_request');
  });

  it('a client public key that is not a valid P-256 point (session init)', async () => {
    const response = await client.send({
      path: '/api/v1/session/init',
      headers: { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-idempotency-key': client.newKey().header },
      body: JSON.stringify({ clientPublicKey: Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]).toString('base64') }),
    });
    expectError(response, 400, 'invalid_request');
  });
});

describe('413 invalid_request: a body over the size limit', () => {
  it('answers 413 in the OAuth shape, not the framework shape', async () => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    const body = encodeEnvelope(Buffer.alloc(70 * 1024).toString('base64'));
    expectError(await client.send({ ...request, body }), 413, 'invalid_request');
  });
});

describe('400 invalid_timestamp', () => {
  it.each([
    ['more than 300 s old', -301_000],
    ['more than 300 s ahead', 301_000],
  ])('a timestamp %s', async (_name, offset) => {
    const key = `${sidecar.clock.now() + offset}.${crypto.randomUUID()}`;
    expectError(await sealedWith({ 'x-idempotency-key': key }), 400, 'invalid_timestamp');
  });

  it('a timestamp in seconds instead of milliseconds', async () => {
    const key = `${Math.floor(sidecar.clock.now() / 1000)}.${crypto.randomUUID()}`;
    expectError(await sealedWith({ 'x-idempotency-key': key }), 400, 'invalid_timestamp');
  });

  it('a timestamp that is not a number', async () => {
    expectError(await sealedWith({ 'x-idempotency-key': `soon.${crypto.randomUUID()}` }), 400, 'invalid_timestamp');
  });

  it('accepts a message that took 299 s to arrive', async () => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    sidecar.clock.advance(299_000);
    expect((await client.send(request)).status).toBe(200);
  });
});

describe('401 invalid_session', () => {
  it('an unknown kid', async () => {
    expectError(await sealedWith({ 'x-kid': 'session:S-0123456789abcdef0123456789abcdef' }), 401, 'invalid_session');
  });

  it('an expired session (1800 s later on the sidecar clock)', async () => {
    sidecar.clock.advance(1800 * 1000);
    expectError(await client.send(await client.seal(INTROSPECT, PLAINTEXT)), 401, 'invalid_session');
  });

  it('a session still valid one second before expiry', async () => {
    sidecar.clock.advance(1799 * 1000);
    const result = await client.open(await client.send(await client.seal(INTROSPECT, PLAINTEXT)));
    expect(result).toMatchObject({ status: 200, encrypted: true });
  });

  it('a session bound to another client id', async () => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    expectError(await client.send({ ...request, headers: { ...request.headers, 'x-clientid': 'other-client' } }), 401, 'invalid_session');
  });
});

describe('400 decryption_failed', () => {
  it('a payload sealed under another key, with no detail in the answer', async () => {
    const other = sidecar.client();
    await other.initSession();
    const foreign = await other.seal(INTROSPECT, PLAINTEXT);
    const mine = await client.seal(INTROSPECT, PLAINTEXT);
    const response = await client.send({ ...mine, body: foreign.body });
    expectError(response, 400, 'decryption_failed');
    expect(JSON.parse(response.body)).toEqual(errorBody('decryption_failed'));
  });

  it('does not spend the nonce of a message that failed to decrypt', async () => {
    const good = await client.seal(INTROSPECT, PLAINTEXT);
    const other = sidecar.client();
    await other.initSession();
    const bad = { ...good, body: (await other.seal(INTROSPECT, PLAINTEXT)).body };
    expect((await client.send(bad)).status).toBe(400);
    expect((await client.send(good)).status).toBe(200);
  });
});

describe('409 replay_detected', () => {
  it('the same request twice: the second is refused and not forwarded', async () => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    expect((await client.send(request)).status).toBe(200);
    expectError(await client.send(request), 409, 'replay_detected');
    expect(sidecar.fake.received).toHaveLength(1);
  });

  it('a nonce reused in a new message of the same client', async () => {
    const first = await client.seal(INTROSPECT, PLAINTEXT);
    expect((await client.send(first)).status).toBe(200);
    // A fresh, correctly sealed message a second later that carries the same nonce.
    sidecar.clock.advance(1000);
    expectError(await sealedWithKey(`${sidecar.clock.now()}.${first.nonce}`), 409, 'replay_detected');
  });

  it('the same nonce from another client id is not a replay', async () => {
    const first = await client.seal(INTROSPECT, PLAINTEXT);
    expect((await client.send(first)).status).toBe(200);
    const other = sidecar.client('other-client');
    await other.initSession();
    const session = other.session!;
    const aad = buildAad({ timestamp: first.timestamp, nonce: first.nonce, kid: session.kid, clientId: 'other-client' });
    const response = await other.send({
      path: INTROSPECT,
      headers: { 'content-type': 'application/json', 'x-clientid': 'other-client', 'x-kid': session.kid, 'x-idempotency-key': `${first.timestamp}.${first.nonce}` },
      body: encodeEnvelope(await protocol.seal(session.key, aad, PLAINTEXT)),
    });
    expect(response.status).toBe(200);
  });
});

/** Seal a message under `client`'s session with a chosen idempotency key. */
async function sealedWithKey(idempotencyKey: string): Promise<WireResponse> {
  const dot = idempotencyKey.indexOf('.');
  const session = client.session!;
  const aad = buildAad({ timestamp: idempotencyKey.slice(0, dot), nonce: idempotencyKey.slice(dot + 1), kid: session.kid, clientId: 'dev-client' });
  const payload = await protocol.seal(session.key, aad, PLAINTEXT);
  return client.send({
    path: INTROSPECT,
    headers: { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-kid': session.kid, 'x-idempotency-key': idempotencyKey },
    body: encodeEnvelope(payload),
  });
}

describe('answers the framework would otherwise give in its own shape', () => {
  it('an unknown route: 404 not_found', async () => {
    const response = await client.send({ path: '/api/v1/nothing-here', headers: {}, body: '{}' });
    expectError(response, 404, 'not_found');
  });

  it('a known route with another method: 404 not_found', async () => {
    expectError(await client.send({ method: 'GET', path: INTROSPECT, headers: {} }), 404, 'not_found');
  });

  it('a body that is not application/json: 415 unsupported_media_type', async () => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    const response = await client.send({ ...request, headers: { ...request.headers, 'content-type': 'text/plain' } });
    expectError(response, 415, 'unsupported_media_type');
  });

  it('JSON with a __proto__ key: 400 invalid_request', async () => {
    const request = await client.seal(INTROSPECT, PLAINTEXT);
    expectError(await client.send({ ...request, body: '{"__proto__":{"x":1},"payload":"x"}' }), 400, 'invalid_request');
  });

  it('a malformed URL: 400 invalid_request', async () => {
    expectError(await client.send({ path: '/api/v1/%E0%A4%A', headers: {}, body: '{}' }), 400, 'invalid_request');
  });
});

describe('arbitrary input never gets a 5xx or another error shape', () => {
  it('random headers and bodies on every route', async () => {
    const paths = ['/api/v1/session/init', '/api/v1/token/issue', '/api/v1/introspect', '/api/v1/token', '/api/v1/revoke'];
    const kid = client.session!.kid;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.record(
          {
            'x-clientid': fc.oneof(fc.constant('dev-client'), fc.string({ maxLength: 20 })),
            'x-idempotency-key': fc.oneof(
              fc.constant(`${Date.now()}.${crypto.randomUUID()}`),
              fc.string({ maxLength: 40 }).map((s) => `${sidecar.clock.now()}.${s}`),
              fc.string({ maxLength: 40 }),
            ),
            'x-kid': fc.oneof(fc.constant(kid), fc.string({ maxLength: 50 })),
            authorization: fc.string({ maxLength: 30 }).map((s) => `Bearer ${s}`),
            'x-subject': fc.string({ maxLength: 10 }),
          },
          { requiredKeys: [] },
        ),
        fc.oneof(
          fc.json(),
          fc.base64String({ maxLength: 200 }).map((p) => JSON.stringify({ payload: p })),
          fc.string({ maxLength: 100 }).map((k) => JSON.stringify({ clientPublicKey: k })),
          fc.string({ maxLength: 100 }),
        ),
        async (path, rawHeaders, body) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          for (const [name, value] of Object.entries(rawHeaders)) {
            // Only values an HTTP client could send at all.
            if (/^[\x20-\x7e]*$/.test(value)) headers[name] = value;
          }
          const response = await client.send({ path, headers, body });
          expect(response.status).toBeGreaterThanOrEqual(200);
          expect(response.status).toBeLessThan(500);
          // Plaintext refusals (no X-Kid: not an envelope) carry exactly the OAuth error shape.
          const plainRefusal = response.status >= 400 && response.headers['x-kid'] === undefined;
          const keys = plainRefusal ? Object.keys(JSON.parse(response.body) as object).sort() : ['error', 'error_description'];
          expect(keys).toEqual(['error', 'error_description']);
        },
      ),
      { numRuns: 150 },
    );
  });
});
