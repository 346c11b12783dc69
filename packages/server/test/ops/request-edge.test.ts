/**
 * Every answer is ours (docs/protocol.md section 10): what the framework or Node would
 * answer in its own shape, or not at all, gets `{error, error_description}` with the
 * documented status, on both services. An internal or admin route with an oversized path
 * parameter looks like any route to a caller without credentials.
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { withDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, INTERNAL_SECRET, ISSUE_BODY, basic, registerClient, withIdentity } from '../helpers/identity.js';
import { type TestSidecar, testSidecar } from '../sidecar/fixtures.js';

/** Send raw bytes to a listening app; the whole answer as text. */
async function raw(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
  const [head = '', ...rest] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: rest.join('\r\n\r\n') };
}

function expectOurs(answer: { status: number; body: string }, status: number, error: string): void {
  expect(answer.status).toBe(status);
  expect(JSON.parse(answer.body)).toEqual({ error, error_description: expect.any(String) as string });
}

const tdb = withDatabase({ kind: 'sqlite' });
const t = withIdentity(tdb, { internalSecret: INTERNAL_SECRET, env: { ADMIN_TOKEN } });
let sidecar: TestSidecar;
let corsSidecar: TestSidecar;
const urls: Record<string, string> = {};

beforeAll(async () => {
  sidecar = await testSidecar();
  corsSidecar = await testSidecar({ env: { CORS_ORIGINS: '*' } });
  urls.sidecar = await sidecar.app.listen({ host: '127.0.0.1', port: 0 });
  urls.identity = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await sidecar?.close();
  await corsSidecar?.close();
});

const inject = (app: FastifyInstance, method: string, url: string, headers: Record<string, string> = {}, payload?: string | Buffer) =>
  app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) }).then((r) => ({ status: r.statusCode, body: r.body }));

describe('a request without Host', () => {
  it.each(['sidecar', 'identity'])('is 400 invalid_request in the OAuth shape on the %s', async (service) => {
    for (const request of ['GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', 'POST /api/v1/introspect HTTP/1.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}']) {
      expectOurs(await raw(urls[service]!, request), 400, 'invalid_request');
    }
  });

  it('is served over HTTP/1.0, which has no Host requirement', async () => {
    const answer = await raw(urls.sidecar!, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});

describe('an oversized path parameter', () => {
  const long = 'x'.repeat(200);

  it('on an internal route, without the secret, looks like any unknown route', async () => {
    const unknown = await inject(t.app, 'GET', `/no/such/${long}`);
    expectOurs(unknown, 404, 'not_found');
    for (const path of [`/internal/v1/clients/${long}`, `/internal/v1/clients/${'y'.repeat(129)}`]) {
      const answer = await inject(t.app, 'GET', path);
      expect(answer).toEqual(unknown);
    }
  });

  it('on an internal route, with the secret, is refused by the route itself (400 invalid_request)', async () => {
    expectOurs(await inject(t.app, 'GET', `/internal/v1/clients/${long}`, { 'x-idsvc-internal-auth': INTERNAL_SECRET }), 400, 'invalid_request');
  });

  it('on an admin route is checked after the admin token, in the OAuth shape', async () => {
    const short = await inject(t.app, 'GET', '/admin/v1/clients/x');
    const answer = await inject(t.app, 'GET', `/admin/v1/clients/${long}`);
    expect(answer).toEqual(short);
    expect(answer.status).toBe(401);
    const authorised = await inject(t.app, 'GET', `/admin/v1/clients/${long}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect([400, 404]).toContain(authorised.status);
    expect(JSON.parse(authorised.body)).toMatchObject({ error: authorised.status === 404 ? 'not_found' : 'invalid_request' });
  });
});

describe('a method no sidecar route serves, with a JSON body', () => {
  it.each(['/api/v1/introspect', '/api/v1/session/init', '/api/v1/token/issue'])('is 404 not_found on %s, whatever the body', async (path) => {
    for (const app of [sidecar.app, corsSidecar.app]) {
      for (const method of ['DELETE', 'OPTIONS', 'PUT', 'PATCH']) {
        for (const body of ['', '{"a":1}', 'not json']) {
          const answer = await inject(app, method, path, { 'content-type': 'application/json' }, body);
          expectOurs(answer, 404, 'not_found');
        }
      }
    }
  });

  it('a real CORS preflight is still answered', async () => {
    const answer = await corsSidecar.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/introspect',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' },
    });
    expect(answer.statusCode).toBe(204);
  });
});

describe('a compressed body', () => {
  const json = JSON.stringify({ clientPublicKey: 'AAAA' });

  it.each(['gzip', 'deflate', 'br', 'GZIP'])('Content-Encoding %s is 415 unsupported_media_type on both services, compressed or not', async (encoding) => {
    for (const body of [json, gzipSync(json)]) {
      expectOurs(await inject(sidecar.app, 'POST', '/api/v1/session/init', { 'content-type': 'application/json', 'content-encoding': encoding }, body), 415, 'unsupported_media_type');
      const client = await registerClient(t.app);
      const issued = await inject(t.app, 'POST', '/api/v1/token/issue', { 'content-type': 'application/json', 'content-encoding': encoding, authorization: basic(client.id, client.secret) }, typeof body === 'string' ? JSON.stringify(ISSUE_BODY) : gzipSync(JSON.stringify(ISSUE_BODY)));
      expectOurs(issued, 415, 'unsupported_media_type');
    }
  });

  it('Content-Encoding identity is served as usual', async () => {
    const client = await registerClient(t.app);
    const issued = await inject(t.app, 'POST', '/api/v1/token/issue', { 'content-type': 'application/json', 'content-encoding': 'identity', authorization: basic(client.id, client.secret) }, JSON.stringify(ISSUE_BODY));
    expect(issued.status).toBe(200);
  });
});
