import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
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

/** A browser: loads the page (which hands it its journey cookie), then keeps the cookie. */
class Browser {
  cookie: string | undefined;

  static async open(): Promise<Browser> {
    const browser = new Browser();
    await browser.request('GET', '/');
    assert.match(browser.cookie ?? '', /^[0-9a-f]{32}$/);
    return browser;
  }

  post(path: string): Promise<LightMyRequestResponse> {
    return this.request('POST', path);
  }

  async request(method: 'GET' | 'POST', path: string): Promise<LightMyRequestResponse> {
    const res = await app.inject({
      method,
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
    for (const url of ['/steps/9', '/steps/constructor', '/steps/__proto__']) {
      const step = await app.inject({ method: 'POST', url });
      expect(step.statusCode, url).toBe(404);
      expect(step.json()).toEqual({ error: 'not_found', error_description: 'Steps are 1 to 6, verify and reset.' });
    }
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
    const res = await (await Browser.open()).post(path);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'step_out_of_order', error_description: message, success: false });
  });
});

describe('a whole journey', () => {
  it('runs steps 1-6 and verify with the seed field names', async () => {
    const browser = await Browser.open();
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
    expect(s7).toMatchObject({ step: 'verify', name: 'Verify: the family is dead', status: 401 });
    expect(JSON.parse(s7.responseBodyDecrypted as string)).toMatchObject({ error: 'invalid_token' });
  });

  it('loading the page sets an HttpOnly, SameSite=Strict journey cookie; a returning browser keeps its own', async () => {
    for (const url of ['/', '/index.html']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Identity Journey');
      const cookie = res.cookies.find((c) => c.name === JOURNEY_COOKIE);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(cookie?.value).toMatch(/^[0-9a-f]{32}$/);
      const again = await app.inject({ method: 'GET', url, cookies: { [JOURNEY_COOKIE]: cookie!.value } });
      expect(again.cookies.find((c) => c.name === JOURNEY_COOKIE)).toBeUndefined();
    }
    // A cookie naming no journey (expired, or made up) gets a fresh journey and cookie.
    const stale = await app.inject({ method: 'POST', url: '/steps/2', cookies: { [JOURNEY_COOKIE]: 'a'.repeat(32) } });
    expect(stale.statusCode).toBe(400);
    expect(stale.cookies.find((c) => c.name === JOURNEY_COOKIE)?.value).toMatch(/^(?!a{32})[0-9a-f]{32}$/);
  });

  it('GET /steps gives where the journey stands: the last result of each step run, until a reset', async () => {
    const browser = await Browser.open();
    expect((await browser.request('GET', '/steps')).json()).toEqual({ passed: 0, total: 6, steps: [], verify: null });
    const ran = [(await browser.post('/steps/1')).json(), (await browser.post('/steps/2')).json()];
    await browser.post('/steps/5'); // needs only step 2's tokens
    const state = (await browser.request('GET', '/steps')).json<{
      passed: number;
      steps: { step: number; success: boolean; sessionId?: string }[];
      verify: unknown;
    }>();
    expect(state.passed).toBe(3);
    expect(state.steps.map((r) => r.step)).toEqual([1, 2, 5]);
    expect(state.steps.slice(0, 2)).toEqual(ran);
    expect(state.verify).toBeNull();

    await browser.post('/steps/reset');
    expect((await browser.request('GET', '/steps')).json()).toEqual({ passed: 0, total: 6, steps: [], verify: null });
  });
});

describe('a client without cookies (the seed: curl -X POST :3506/steps/N, no cookie jar)', () => {
  it('walks steps 1 to 6 over HTTP, reads the state, and resets, on the one shared journey', async () => {
    const shared = await createJourneyApp(loadJourneyConfig({}), { sidecarUrl: stack.sidecarUrl });
    try {
      const base = await shared.listen({ host: '127.0.0.1', port: 0 });
      // fetch keeps no cookies: every request below arrives without one, as curl's would.
      const post = async (path: string) => {
        const res = await fetch(`${base}${path}`, { method: 'POST' });
        expect(res.headers.get('set-cookie'), path).toBeNull();
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      for (const step of [1, 2, 3, 4, 5, 6]) {
        const { status, body } = await post(`/steps/${step}`);
        expect(status, `step ${step}`).toBe(200);
        expect(body, `step ${step}: ${String(body.error)}`).toMatchObject({ step, success: true, error: null });
      }
      const state = (await (await fetch(`${base}/steps`)).json()) as { passed: number; steps: { step: number }[] };
      expect(state.passed).toBe(6);
      expect(state.steps.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);

      expect(await post('/steps/reset')).toEqual({ status: 200, body: { success: true, message: 'Journey reset' } });
      const after = await post('/steps/2');
      expect(after.status).toBe(400);
      expect(after.body).toMatchObject({ error: 'step_out_of_order', error_description: 'Run step 1 first (session init)' });
    } finally {
      await shared.close();
    }
  });

  it('a browser with its cookie neither sees nor disturbs the shared journey', async () => {
    await app.inject({ method: 'POST', url: '/steps/reset' });
    expect((await app.inject({ method: 'POST', url: '/steps/1' })).json()).toMatchObject({ success: true });

    const browser = await Browser.open();
    expect((await browser.request('GET', '/steps')).json()).toMatchObject({ steps: [] });
    expect((await browser.post('/steps/2')).statusCode).toBe(400);
    await browser.post('/steps/reset');

    // The cookie-less caller's session survived the browser's reset.
    expect((await app.inject({ method: 'POST', url: '/steps/2' })).json()).toMatchObject({ step: 2, success: true });
    await app.inject({ method: 'POST', url: '/steps/reset' });
  });
});

describe('one journey per browser', () => {
  it('two cookies are two independent journeys', async () => {
    const alice = await Browser.open();
    const bob = await Browser.open();
    expect((await alice.post('/steps/1')).json()).toMatchObject({ success: true });
    expect((await alice.post('/steps/2')).json()).toMatchObject({ success: true });
    expect(alice.cookie).toBeDefined();

    // Bob has not started: Alice's session is not his.
    const early = await bob.post('/steps/2');
    expect(early.statusCode).toBe(400);
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
      await wrong.inject({ method: 'POST', url: '/steps/1' });
      const res = await wrong.inject({ method: 'POST', url: '/steps/2' });
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
