import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase64, errorBody, validatePublicKey } from '@idsvc/protocol';
import { INTERNAL_SECRET, type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar;
beforeEach(async () => {
  sidecar = await testSidecar();
});
afterEach(async () => {
  await sidecar.close();
});

describe('POST /api/v1/session/init', () => {
  it('opens an anonymous session: a 128-bit session id, the server key, A256GCM, 1800 s and X-Kid', async () => {
    const client = sidecar.client();
    const response = await client.initSession();
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['encAlg', 'expiresInSec', 'serverPublicKey', 'sessionId']);
    expect(body.sessionId).toMatch(/^S-[0-9a-f]{32}$/);
    expect(body.encAlg).toBe('A256GCM');
    expect(body.expiresInSec).toBe(1800);
    expect(() => validatePublicKey(decodeBase64(body.serverPublicKey as string))).not.toThrow();
    expect(response.headers['x-kid']).toBe(`session:${body.sessionId as string}`);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('makes a new key pair and session id for every session', async () => {
    const a = JSON.parse((await sidecar.client().initSession()).body) as { sessionId: string; serverPublicKey: string };
    const b = JSON.parse((await sidecar.client().initSession()).body) as { sessionId: string; serverPublicKey: string };
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.serverPublicKey).not.toBe(b.serverPublicKey);
  });

  it('derives the same key as the client: an encrypted call round-trips', async () => {
    const client = sidecar.client();
    await client.initSession();
    const result = await client.call('/api/v1/introspect', { token: 't' }, { authorization: 'Bearer x' });
    expect(result).toMatchObject({ status: 200, encrypted: true, json: { ok: true, path: '/api/v1/introspect' } });
  });

  it('refuses an unknown client id with 401 invalid_client', async () => {
    const response = await sidecar.client('nobody').initSession();
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual(errorBody('invalid_client'));
  });

  it('records the nonce: the same init replayed answers 409 replay_detected', async () => {
    const client = sidecar.client();
    const headers = { 'x-idempotency-key': client.newKey().header };
    expect((await client.initSession({ headers })).status).toBe(200);
    const replay = await client.replayInit();
    expect(replay.status).toBe(409);
    expect(JSON.parse(replay.body)).toEqual(errorBody('replay_detected'));
  });

  it('refuses a body without clientPublicKey, and a key that is not a string', async () => {
    const client = sidecar.client();
    for (const body of ['{}', '{"clientPublicKey": 42}', '[]', '"x"']) {
      const response = await client.send({
        path: '/api/v1/session/init',
        headers: { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-idempotency-key': client.newKey().header },
        body,
      });
      expect(response.status, body).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
    }
  });
});

describe('authenticated session init', () => {
  beforeEach(() => {
    sidecar.fake.bearers.push({ token: 'good-token', clientId: 'dev-client', sub: 'test-user' });
  });

  it('opens a 3600 s session when the identity API vouches for the bearer and subject', async () => {
    const client = sidecar.client();
    const response = await client.initSession({ bearer: 'good-token', subject: 'test-user' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ expiresInSec: 3600 });
  });

  it('forwards the requests of that session with its client id and the internal secret, and nothing else of the session', async () => {
    const client = sidecar.client();
    await client.initSession({ bearer: 'good-token', subject: 'test-user' });
    await client.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: 'r' }, { authorization: 'Bearer good-token' });
    const forwarded = sidecar.fake.received.at(-1)!.headers;
    expect(forwarded).toMatchObject({ 'x-clientid': 'dev-client', 'x-idsvc-internal-auth': INTERNAL_SECRET });
    expect(Object.keys(forwarded).filter((name) => name.startsWith('x-idsvc-')).sort()).toEqual(['x-idsvc-deadline', 'x-idsvc-internal-auth']);
  });

  it('asks the identity API with the bearer, client id, subject and internal secret, body {}', async () => {
    await sidecar.client().initSession({ bearer: 'good-token', subject: 'test-user' });
    const asked = sidecar.fake.received.find((r) => r.path === '/internal/v1/bearer/verify')!;
    expect(asked.headers).toMatchObject({
      authorization: 'Bearer good-token',
      'x-clientid': 'dev-client',
      'x-subject': 'test-user',
      'x-idsvc-internal-auth': INTERNAL_SECRET,
      'content-type': 'application/json',
    });
    expect(asked.body.toString()).toBe('{}');
  });

  it.each([
    ['an unknown bearer', { bearer: 'bad-token', subject: 'test-user' }],
    ['another subject', { bearer: 'good-token', subject: 'someone-else' }],
  ])('refuses %s with 401 unauthorized', async (_name, options) => {
    const response = await sidecar.client().initSession(options);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual(errorBody('unauthorized'));
  });

  it('refuses a bearer of another client with 401 unauthorized', async () => {
    const response = await sidecar.client('other-client').initSession({ bearer: 'good-token', subject: 'test-user' });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'unauthorized' });
  });

  it('refuses an Authorization that is not a bearer with 401 unauthorized', async () => {
    const response = await sidecar.client().initSession({
      headers: { authorization: 'Basic ZGV2LWNsaWVudDpzZWNyZXQ=', 'x-subject': 'test-user' },
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'unauthorized' });
  });

  it('needs X-Subject with a bearer: 400 invalid_request', async () => {
    const response = await sidecar.client().initSession({ bearer: 'good-token' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  });
});
