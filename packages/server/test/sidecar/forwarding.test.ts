/**
 * docs/protocol.md sections 1 and 5: the sidecar forwards the plaintext byte for byte with the
 * client's auth headers and its own internal headers, and seals whatever comes back, the
 * status passed through (its own 5xx errors too, with their Retry-After); an identity API that
 * cannot be reached, times out or answers something not its own gives an encrypted 502.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { errorBody } from '@idsvc/protocol';
import { httpUpstream } from '../../src/sidecar/upstream-http.js';
import { type Upstream, UpstreamUnavailableError } from '../../src/sidecar/upstream.js';
import { INTERNAL_SECRET, type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

async function started(options: Parameters<typeof testSidecar>[0] = {}): Promise<TestSidecar> {
  sidecar = await testSidecar(options);
  return sidecar;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('forwarding the plaintext', () => {
  it('sends the exact decrypted bytes: spacing, key order, escapes and non-ASCII untouched', async () => {
    const s = await started();
    const client = s.client();
    await client.initSession();
    const plaintext = '{ "token" :"abc",\n\t"token_type_hint": "access_token", "note":"caf\u00e9 \\u00e9 \u{1F600}" }';
    const result = await client.call('/api/v1/introspect', plaintext, { authorization: 'Bearer abc' });
    expect(result.status).toBe(200);
    expect(s.fake.received).toHaveLength(1);
    expect(s.fake.received[0]!.body.equals(Buffer.from(plaintext, 'utf8'))).toBe(true);
  });

  it.each(['/api/v1/token/issue', '/api/v1/introspect', '/api/v1/token', '/api/v1/revoke'])('forwards %s to the same path', async (path) => {
    const s = await started();
    const client = s.client();
    await client.initSession();
    const result = await client.call(path, '{}');
    expect(result.json).toEqual({ ok: true, path });
    expect(s.fake.received[0]!.path).toBe(path);
  });

  it('sends the client auth headers and the internal headers, nothing else of the client', async () => {
    const s = await started();
    const client = s.client();
    await client.initSession();
    const request = await client.seal('/api/v1/token/issue', '{"subject":"u"}', {
      authorization: 'Basic ZGV2LWNsaWVudDpzZWNyZXQ=',
      'x-signature': 'ab'.repeat(32),
      'x-custom': 'not forwarded',
      cookie: 'a=b',
    });
    expect((await client.send(request)).status).toBe(200);
    const headers = s.fake.received[0]!.headers;
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Basic ZGV2LWNsaWVudDpzZWNyZXQ=',
      'x-signature': 'ab'.repeat(32),
      'x-idempotency-key': request.headers['x-idempotency-key'],
      'x-clientid': 'dev-client',
      'x-idsvc-internal-auth': INTERNAL_SECRET,
    });
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // The moment the sidecar stops waiting (UPSTREAM_TIMEOUT_MS, default 5000, less a 250 ms
    // margin for the answer's way back), on its clock: the identity API commits nothing after it.
    expect(headers['x-idsvc-deadline']).toBe(String(s.clock.now() + 5000 - 250));
    // The identity API has no rule that reads them, so nothing else of the session travels.
    expect(Object.keys(headers).filter((name) => name.startsWith('x-idsvc-')).sort()).toEqual(['x-idsvc-deadline', 'x-idsvc-internal-auth']);
    expect(headers['x-custom']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  });
});

describe('internal headers from a client are stripped', () => {
  it('forged x-idsvc-* headers never reach the identity API; the sidecar sends its own', async () => {
    const s = await started();
    const client = s.client();
    await client.initSession();
    const request = await client.seal('/api/v1/introspect', '{"token":"t"}', {
      'x-idsvc-internal-auth': 'guessed-secret',
      'x-idsvc-session-type': 'authenticated',
      'x-idsvc-session-subject': 'admin',
      'x-idsvc-session-id': 'S-00000000000000000000000000000000',
      'X-IDSVC-Anything': 'x',
      'x-idsvc-deadline': '99999999999999',
    });
    expect((await client.send(request)).status).toBe(200);
    const headers = s.fake.received[0]!.headers;
    expect(headers['x-idsvc-internal-auth']).toBe(INTERNAL_SECRET);
    expect(headers['x-idsvc-deadline']).toBe(String(s.clock.now() + 4750));
    expect(Object.keys(headers).filter((name) => name.startsWith('x-idsvc-')).sort()).toEqual(['x-idsvc-deadline', 'x-idsvc-internal-auth']);
  });

  it('a forged session type at session init does not make the session authenticated', async () => {
    const s = await started();
    const response = await s.client().initSession({
      headers: { 'x-idsvc-session-type': 'authenticated', 'x-idsvc-session-subject': 'admin' },
    });
    expect(JSON.parse(response.body)).toMatchObject({ expiresInSec: 1800 });
  });
});

describe('sealing the answer', () => {
  it('passes an error status through, encrypted, with the identity API body inside', async () => {
    const s = await started();
    s.fake.answer = () => ({ status: 401, body: JSON.stringify(errorBody('invalid_token')) });
    const client = s.client();
    await client.initSession();
    const result = await client.call('/api/v1/introspect', '{"token":"t"}', { authorization: 'Bearer bad' });
    expect(result).toMatchObject({ status: 401, encrypted: true, json: errorBody('invalid_token') });
  });

  it('answers with the same kid and a fresh response key of its own clock, whose nonce has no "."', async () => {
    const s = await started();
    const client = s.client();
    await client.initSession();
    const a = await client.call('/api/v1/introspect', '{}');
    s.clock.advance(5);
    const b = await client.call('/api/v1/introspect', '{}');
    expect(a.headers['x-kid']).toBe(client.session!.kid);
    const [aTs, ...aRest] = a.headers['x-idempotency-key']!.split('.');
    const [bTs] = b.headers['x-idempotency-key']!.split('.');
    expect(aRest).toHaveLength(1);
    expect(aRest[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number(bTs) - Number(aTs)).toBe(5);
    expect(a.headers['x-idempotency-key']).not.toBe(b.headers['x-idempotency-key']);
  });

  it("passes the identity API's own 503 on, sealed, with its Retry-After, and counts it apart from an outage", async () => {
    const s = await started();
    s.fake.answer = () => ({ status: 503, body: JSON.stringify(errorBody('temporarily_unavailable')), headers: { 'retry-after': '7' } });
    const client = s.client();
    await client.initSession();
    const result = await client.call('/api/v1/token/issue', '{"subject":"u"}');
    expect(result).toMatchObject({ status: 503, encrypted: true, json: errorBody('temporarily_unavailable') });
    expect(result.headers['retry-after']).toBe('7');
    const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^idsvc_upstream_error_answers_total\{status="503",service="sidecar"\} 1$/m);
    expect(metrics).toMatch(/^idsvc_upstream_failures_total\{service="sidecar"\} 0$/m);
  });

  it("passes the identity API's own 500 server_error on, sealed, with its body", async () => {
    const s = await started();
    s.fake.answer = () => ({ status: 500, body: JSON.stringify(errorBody('server_error')) });
    const client = s.client();
    await client.initSession();
    const result = await client.call('/api/v1/introspect', '{}');
    expect(result).toMatchObject({ status: 500, encrypted: true, json: errorBody('server_error') });
  });

  it.each([
    ['an HTML error page of a proxy', 502, '<html>Bad Gateway</html>', 'text/html'],
    ['a 5xx with no body', 500, '', 'application/json'],
    ['an error code not in the table', 503, '{"error":"overloaded","error_description":"x"}', 'application/json'],
    ['a success that is not JSON', 200, 'OK', 'text/plain'],
  ])('seals %s as 502 upstream_unavailable, counted as an upstream failure', async (_what, status, body, contentType) => {
    const s = await started();
    s.fake.answer = () => ({ status, body, contentType });
    const client = s.client();
    await client.initSession();
    const result = await client.call('/api/v1/introspect', '{}');
    expect(result).toMatchObject({ status: 502, encrypted: true, json: errorBody('upstream_unavailable') });
    const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^idsvc_upstream_failures_total\{service="sidecar"\} 1$/m);
  });

  it('seals an unreachable identity API as 502 upstream_unavailable', async () => {
    const down: Upstream = {
      send: () => Promise.reject(new UpstreamUnavailableError('connection refused')),
      close: () => Promise.resolve(),
    };
    const s = await started({ upstream: down });
    const client = s.client();
    await client.initSession();
    const result = await client.call('/api/v1/revoke', '{}');
    expect(result).toMatchObject({ status: 502, encrypted: true, json: errorBody('upstream_unavailable') });
  });
});

describe('forwarding over HTTP', () => {
  it('reaches a listening identity API through the keep-alive pool, under a path prefix too', async () => {
    const fakeSidecar = await started();
    const address = await fakeSidecar.fake.app.listen({ host: '127.0.0.1', port: 0 });
    const upstream = httpUpstream({ url: `${address}/`, timeoutMs: 2000 });
    const s = await testSidecar({ upstream });
    try {
      const client = s.client();
      await client.initSession();
      for (let i = 0; i < 3; i++) {
        const result = await client.call('/api/v1/introspect', `{"n":${i}}`);
        expect(result).toMatchObject({ status: 200, encrypted: true });
      }
      expect(fakeSidecar.fake.received.map((r) => r.body.toString())).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    } finally {
      await s.close();
    }
  });

  it('answers an encrypted 502 when the identity API port is closed', async () => {
    const port = await closedPort();
    const s = await started({ upstream: httpUpstream({ url: `http://127.0.0.1:${port}`, timeoutMs: 1000 }) });
    const client = s.client();
    await client.initSession();
    const result = await client.call('/api/v1/introspect', '{"token":"t"}');
    expect(result).toMatchObject({ status: 502, encrypted: true, json: errorBody('upstream_unavailable') });
  });

  it('answers an encrypted 502 when the identity API does not answer in time', async () => {
    const { default: Fastify } = await import('fastify');
    const slow = Fastify({ forceCloseConnections: true });
    slow.post('/api/v1/introspect', () => new Promise(() => undefined));
    const address = await slow.listen({ host: '127.0.0.1', port: 0 });
    const s = await started({ upstream: httpUpstream({ url: address, timeoutMs: 200 }) });
    try {
      const client = s.client();
      await client.initSession();
      const result = await client.call('/api/v1/introspect', '{}');
      expect(result).toMatchObject({ status: 502, encrypted: true, json: errorBody('upstream_unavailable') });
    } finally {
      await slow.close();
    }
  });

  it('an authenticated session init with the identity API down answers a plaintext 502', async () => {
    const port = await closedPort();
    const s = await started({ upstream: httpUpstream({ url: `http://127.0.0.1:${port}`, timeoutMs: 1000 }) });
    const response = await s.client().initSession({ bearer: 'token', subject: 'test-user' });
    expect(response.status).toBe(502);
    expect(JSON.parse(response.body)).toEqual(errorBody('upstream_unavailable'));
  });
});
