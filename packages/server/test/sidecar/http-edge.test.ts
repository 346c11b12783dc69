/**
 * What browsers and raw HTTP see: CORS for the configured origins (docs/protocol.md section 5),
 * and limits enforced below the router (header size), still in the OAuth shape.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpTransport, injectTransport } from '../helpers/wire-client.js';
import { type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

const ORIGIN = 'https://app.example.test';

describe('CORS', () => {
  it('answers a preflight from a configured origin, allowing the protocol headers', async () => {
    sidecar = await testSidecar({ env: { CORS_ORIGINS: `${ORIGIN}, https://other.example.test` } });
    const response = await injectTransport(sidecar.app)({
      method: 'OPTIONS',
      path: '/api/v1/introspect',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization,x-clientid,x-idempotency-key,x-kid,x-signature,x-subject',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(response.headers['access-control-allow-methods']).toContain('POST');
    const allowed = response.headers['access-control-allow-headers']!.toLowerCase().split(/\s*,\s*/);
    for (const name of ['content-type', 'authorization', 'x-clientid', 'x-idempotency-key', 'x-kid', 'x-signature', 'x-subject']) {
      expect(allowed).toContain(name);
    }
  });

  it('exposes X-Kid and X-Idempotency-Key on answers to that origin', async () => {
    sidecar = await testSidecar({ env: { CORS_ORIGINS: ORIGIN } });
    const client = sidecar.client();
    await client.initSession();
    const request = await client.seal('/api/v1/introspect', '{}', { origin: ORIGIN });
    const response = await client.send(request);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    const exposed = response.headers['access-control-expose-headers']!.toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['x-kid', 'x-idempotency-key']));
  });

  it('gives no CORS grant to an origin that is not configured', async () => {
    sidecar = await testSidecar({ env: { CORS_ORIGINS: ORIGIN } });
    const response = await injectTransport(sidecar.app)({
      method: 'OPTIONS',
      path: '/api/v1/introspect',
      headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'POST' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives no CORS grant at all when no origin is configured', async () => {
    sidecar = await testSidecar();
    const client = sidecar.client();
    const response = await client.initSession({ headers: { origin: ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    // Nor to a preflight, which finds no route: a browser keeps the sidecar same-origin.
    const preflight = await injectTransport(sidecar.app)({
      method: 'OPTIONS',
      path: '/api/v1/introspect',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.status).toBe(404);
  });
});

describe('limits below the router', () => {
  it('answers oversized headers with 431 in the OAuth shape', async () => {
    sidecar = await testSidecar();
    const address = await sidecar.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.write(`POST /api/v1/introspect HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(body!)).toEqual({ error: 'invalid_request', error_description: 'The request headers are too large.' });
  });

  it('answers garbage on the socket with 400 in the OAuth shape', async () => {
    sidecar = await testSidecar();
    const address = await sidecar.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.write('THIS IS NOT HTTP\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.split('\r\n\r\n')[1]!)).toMatchObject({ error: 'invalid_request' });
  });

  it('serves the protocol over a real socket as well as through inject', async () => {
    sidecar = await testSidecar();
    const address = await sidecar.app.listen({ host: '127.0.0.1', port: 0 });
    const response = await httpTransport(address)({
      path: '/api/v1/nothing',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ error: 'not_found', error_description: expect.any(String) });
  });
});
