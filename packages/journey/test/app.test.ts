import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyApp, JOURNEY_COOKIE } from '../src/app.js';
import { loadJourneyConfig } from '../src/config.js';
import { startTestStack, type TestStack } from '../../client/test/support/stack.js';

let stack: TestStack;
let app: FastifyInstance;

beforeAll(async () => {
  stack = await startTestStack();
  app = await createJourneyApp(loadJourneyConfig({}), { sidecarUrl: stack.sidecarUrl });
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

/** A browser: keeps the journey cookie the app sets. */
class Browser {
  cookie: string | undefined;
  async post(path: string): Promise<LightMyRequestResponse> {
    const res = await app.inject({
      method: 'POST',
      url: path,
      ...(this.cookie ? { cookies: { [JOURNEY_COOKIE]: this.cookie } } : {}),
    });
    const set = res.cookies.find((c) => c.name === JOURNEY_COOKIE);
    if (set) this.cookie = set.value;
    return res;
  }
}

const EXCHANGE_FIELDS = [
  'step',
  'name',
  'requestHeaders',
  'requestBodyPlaintext',
  'requestBodyEncrypted',
  'responseHeaders',
  'responseBodyEncrypted',
  'responseBodyDecrypted',
  'durationMs',
  'success',
  'error',
];
const SESSION_FIELDS = ['step', 'name', 'success', 'durationMs', 'sessionId', 'kid', 'authenticated', 'expiresInSec', 'error'];

describe('static UI', () => {
  it('serves the page, its stylesheet and its script', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Identity Journey');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const css = await app.inject({ method: 'GET', url: '/css/style.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const js = await app.inject({ method: 'GET', url: '/js/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('tells the UI who the client is, never the secret', async () => {
    const res = await app.inject({ method: 'GET', url: '/info' });
    expect(res.json()).toMatchObject({ clientId: 'dev-client', authMethod: 'basic', sidecarUrl: stack.sidecarUrl });
    expect(res.body).not.toContain('DevSec');
  });

  it('answers unknown paths with a 404 in the OAuth error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', error_description: expect.any(String) });
    const step = await app.inject({ method: 'POST', url: '/steps/9' });
    expect(step.statusCode).toBe(404);
  });
});

describe('step preconditions', () => {
  it.each([
    ['/steps/2', 'Run step 1 first (session init)'],
    ['/steps/3', 'Run step 2 first (token issue)'],
    ['/steps/4', 'Run step 2 first (token issue)'],
    ['/steps/5', 'Run step 2 first (token issue)'],
    ['/steps/6', 'Run step 5 first (token refresh)'],
    ['/steps/verify', 'Run step 6 first (token revocation)'],
  ])('%s run too early answers 400 "%s"', async (path, message) => {
    const res = await new Browser().post(path);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'step_out_of_order', error_description: message, success: false });
  });
});

describe('a whole journey', () => {
  it('runs steps 1-6 and the family check with the seed field names', async () => {
    const browser = new Browser();
    const results: Record<string, unknown>[] = [];
    for (const path of ['/steps/1', '/steps/2', '/steps/3', '/steps/4', '/steps/5', '/steps/6', '/steps/verify']) {
      const res = await browser.post(path);
      expect(res.statusCode, path).toBe(200);
      const body = res.json<Record<string, unknown>>();
      expect(body.success, `${path}: ${String(body.error)}`).toBe(true);
      expect(body.error).toBeNull();
      results.push(body);
    }
    const [s1, s2, s3, s4, s5, s6, s7] = results as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    for (const session of [s1, s4]) for (const field of SESSION_FIELDS) expect(session).toHaveProperty(field);
    for (const token of [s2, s3, s5, s6, s7]) for (const field of EXCHANGE_FIELDS) expect(token).toHaveProperty(field);

    expect(s1).toMatchObject({ step: 1, name: 'Session Init (Anonymous ECDH)', authenticated: false, expiresInSec: 1800 });
    expect(s1.kid).toBe(`session:${String(s1.sessionId)}`);
    expect(s2).toMatchObject({ step: 2, name: 'Token Issue (Basic Auth + GCM)' });
    expect(JSON.parse(s2.requestBodyPlaintext as string)).toEqual({
      audience: 'orders-api',
      scope: 'orders.read orders.write',
      subject: 'test-user',
      include_refresh_token: true,
      single_session: true,
      custom_claims: { roles: 'admin', tenant: 'test-corp' },
    });
    expect((s2.requestHeaders as Record<string, string>).Authorization).toBe('Basic ZGV2…');
    expect(JSON.parse(s2.responseBodyEncrypted as string)).toHaveProperty('payload');
    expect(JSON.parse(s2.responseBodyDecrypted as string)).toHaveProperty('refresh_token');
    expect(JSON.parse(s3.responseBodyDecrypted as string)).toMatchObject({ active: true, roles: 'admin' });
    expect(s4).toMatchObject({ step: 4, authenticated: true, expiresInSec: 3600 });
    expect(s4.sessionId).not.toBe(s1.sessionId);
    expect((s5.requestHeaders as Record<string, string>)['X-Kid']).toBe(s4.kid);
    expect(JSON.parse(s6.responseBodyDecrypted as string)).toEqual({});
    expect(s7).toMatchObject({ step: 7, name: 'Family is dead', status: 401 });
    expect(JSON.parse(s7.responseBodyDecrypted as string)).toMatchObject({ error: 'invalid_token' });
  });

  it('sets an HttpOnly, SameSite=Strict journey cookie', async () => {
    const res = await app.inject({ method: 'POST', url: '/steps/reset' });
    const cookie = res.cookies.find((c) => c.name === JOURNEY_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('one journey per browser', () => {
  it('two cookies are two independent journeys', async () => {
    const alice = new Browser();
    const bob = new Browser();
    expect((await alice.post('/steps/1')).json()).toMatchObject({ success: true });
    expect((await alice.post('/steps/2')).json()).toMatchObject({ success: true });
    expect(alice.cookie).toBeDefined();

    // Bob has not started: Alice's session is not his.
    const early = await bob.post('/steps/2');
    expect(early.statusCode).toBe(400);
    expect(bob.cookie).toBeDefined();
    expect(bob.cookie).not.toBe(alice.cookie);

    // Bob's step 1 does not disturb Alice's journey.
    expect((await bob.post('/steps/1')).json()).toMatchObject({ success: true });
    expect((await alice.post('/steps/3')).json()).toMatchObject({ success: true });

    // Alice's reset leaves Bob's session alone.
    await alice.post('/steps/reset');
    expect((await alice.post('/steps/2')).statusCode).toBe(400);
    expect((await bob.post('/steps/2')).json()).toMatchObject({ success: true });
  });
});

describe('failures are explained', () => {
  it('wrong credentials fail step 2 with 401 invalid_client and the fix', async () => {
    const wrong = await createJourneyApp(loadJourneyConfig({ CLIENT_SECRET: 'wrong-secret' }), { sidecarUrl: stack.sidecarUrl });
    try {
      const first = await wrong.inject({ method: 'POST', url: '/steps/1' });
      const cookie = first.cookies.find((c) => c.name === JOURNEY_COOKIE)!.value;
      const res = await wrong.inject({ method: 'POST', url: '/steps/2', cookies: { [JOURNEY_COOKIE]: cookie } });
      expect(res.statusCode).toBe(200);
      const body = res.json<Record<string, unknown>>();
      expect(body).toMatchObject({ success: false, status: 401, errorCode: 'invalid_client' });
      expect(body.error).toContain('401 invalid_client');
      expect(body.fix).toContain('CLIENT_SECRET');
      expect(res.body).not.toContain('wrong-secret');
    } finally {
      await wrong.close();
    }
  });

  it('an unreachable sidecar answers 502 with the fix', async () => {
    const lost = await createJourneyApp(loadJourneyConfig({}), { sidecarUrl: 'http://127.0.0.1:9' });
    try {
      const res = await lost.inject({ method: 'POST', url: '/steps/1' });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({ success: false, errorCode: 'network_error' });
      expect(res.json<{ error: string }>().error).toContain('Cannot reach the sidecar at http://127.0.0.1:9');
      expect(res.json<{ fix: string }>().fix).toContain('SIDECAR_URL');
    } finally {
      await lost.close();
    }
  });
});
