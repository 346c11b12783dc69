/** The admin API, `/admin/v1/clients`, authenticated by the configured admin token. */
import type { FastifyInstance } from 'fastify';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityApp } from '../../../src/identity/app.js';
import { databaseTargets, withDatabase } from '../../helpers/db.js';
import { ADMIN_TOKEN, ISSUE_BODY, basic, bearer, oauthError, post, testConfig, withIdentity } from '../../helpers/identity.js';

describe.each(await databaseTargets())('admin API on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb);
  const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, token = ADMIN_TOKEN) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  /** A client of the test's own (ids are unique, so no test depends on another's clients). */
  let created = 0;
  const newClient = async (prefix = 'orders-web') => {
    const id = `${prefix}-${++created}`;
    const res = await admin('POST', '/admin/v1/clients', { client_id: id, name: 'Orders web', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] });
    expect(res.statusCode).toBe(201);
    return id;
  };

  it('creates a client and shows its generated secret (256 bits) once', async () => {
    const id = `orders-web-first-${++created}`;
    const res = await admin('POST', '/admin/v1/clients', { client_id: id, name: 'Orders web', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] });
    expect(res.statusCode).toBe(201);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ client_id: id, name: 'Orders web', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'], status: 'active' });
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(body.client_secret as string, 'base64url')).toHaveLength(32);
    // Shown once: never again.
    const shown = await admin('GET', `/admin/v1/clients/${id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).not.toHaveProperty('client_secret');
    expect(shown.body).not.toContain(body.client_secret as string);
    const issued = await post(t.app, '/api/v1/token/issue', { authorization: basic(id, body.client_secret as string) }, { ...ISSUE_BODY });
    expect(issued.statusCode).toBe(200);
  });

  it('creates a client with a supplied secret and a generated id', async () => {
    const secret = 'supplied-secret-that-is-long-enough-1234';
    const res = await admin('POST', '/admin/v1/clients', { name: 'Partner', auth_method: 'hmac', scopes: ['orders.read'], audiences: ['orders-api'], client_secret: secret });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ auth_method: 'hmac', client_secret: secret });
    expect(res.json<{ client_id: string }>().client_id).toMatch(/^c-[A-Za-z0-9]+$/);
  });

  it('lists clients without secrets', async () => {
    const id = await newClient();
    const res = await admin('GET', '/admin/v1/clients');
    expect(res.statusCode).toBe(200);
    const { clients } = res.json<{ clients: Record<string, unknown>[] }>();
    expect(clients.map((c) => c.client_id)).toContain(id);
    for (const c of clients) expect(Object.keys(c).sort()).toEqual(['audiences', 'auth_method', 'client_id', 'created_at', 'name', 'refresh_grace_seconds', 'scopes', 'status', 'updated_at']);
  });

  it('updates scopes, audiences, name and status', async () => {
    const id = await newClient();
    t.clock.advance(1000);
    const res = await admin('PATCH', `/admin/v1/clients/${id}`, { scopes: ['orders.read', 'orders.write'], audiences: ['orders-api', 'billing-api'], name: 'Renamed' });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, string>>();
    expect(body).toMatchObject({ scopes: ['orders.read', 'orders.write'], audiences: ['orders-api', 'billing-api'], name: 'Renamed', status: 'active' });
    expect(Date.parse(body.updated_at!)).toBeGreaterThan(Date.parse(body.created_at!));
  });

  it('rotates the secret: the new one works, the old one is refused at once', async () => {
    const created = await admin('POST', '/admin/v1/clients', { client_id: 'rotating', name: 'r', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] });
    const oldSecret = created.json<{ client_secret: string }>().client_secret;
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic('rotating', oldSecret) }, ISSUE_BODY)).statusCode).toBe(200);
    const rotated = await admin('POST', '/admin/v1/clients/rotating/rotate-secret');
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json<{ client_secret: string }>().client_secret;
    expect(newSecret).not.toBe(oldSecret);
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic('rotating', oldSecret) }, ISSUE_BODY)).statusCode).toBe(401);
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic('rotating', newSecret) }, ISSUE_BODY)).statusCode).toBe(200);
    const supplied = 'a-supplied-replacement-secret-of-40-chars';
    const again = await admin('POST', '/admin/v1/clients/rotating/rotate-secret', { client_secret: supplied });
    expect(again.json()).toMatchObject({ client_secret: supplied });
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic('rotating', supplied) }, ISSUE_BODY)).statusCode).toBe(200);
  });

  it('disables a client: its authentication and its bearers are refused; re-enabling restores them', async () => {
    const created = await admin('POST', '/admin/v1/clients', { client_id: 'to-disable', name: 'd', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] });
    const secret = created.json<{ client_secret: string }>().client_secret;
    const tokens = (await post(t.app, '/api/v1/token/issue', { authorization: basic('to-disable', secret) }, ISSUE_BODY)).json<{ access_token: string }>();
    const res = await admin('POST', '/admin/v1/clients/to-disable/disable');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'disabled' });
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic('to-disable', secret) }, ISSUE_BODY)).statusCode).toBe(401);
    expect((await post(t.app, '/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.access_token })).statusCode).toBe(401);
    await admin('PATCH', '/admin/v1/clients/to-disable', { status: 'active' });
    expect((await post(t.app, '/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.access_token })).json()).toMatchObject({ active: true });
  });

  it('answers 404 not_found for an unknown client and 409 for an id that exists', async () => {
    for (const [method, url, body] of [
      ['GET', '/admin/v1/clients/nobody', undefined],
      ['PATCH', '/admin/v1/clients/nobody', { name: 'x' }],
      ['POST', '/admin/v1/clients/nobody/rotate-secret', undefined],
      ['POST', '/admin/v1/clients/nobody/disable', undefined],
    ] as const) {
      const res = await admin(method, url, body);
      expect(res.statusCode, url).toBe(404);
      expect(oauthError(res)).toBe('not_found');
    }
    const dup = await admin('POST', '/admin/v1/clients', { client_id: await newClient(), name: 'again', auth_method: 'basic', scopes: [], audiences: [] });
    expect(dup.statusCode).toBe(409);
    expect(oauthError(dup)).toBe('invalid_request');
  });

  it.each([
    ['an unknown field', { name: 'x', auth_method: 'basic', scopes: [], audiences: [], admin: true }],
    ['a bad auth method', { name: 'x', auth_method: 'mtls', scopes: [], audiences: [] }],
    ['scopes as a string', { name: 'x', auth_method: 'basic', scopes: 'orders.read', audiences: [] }],
    ['a scope with a space', { name: 'x', auth_method: 'basic', scopes: ['a b'], audiences: [] }],
    ['a client id with a colon', { client_id: 'a:b', name: 'x', auth_method: 'basic', scopes: [], audiences: [] }],
    ['a client id with a pipe', { client_id: 'a|b', name: 'x', auth_method: 'basic', scopes: [], audiences: [] }],
    ['a short supplied secret', { name: 'x', auth_method: 'basic', scopes: [], audiences: [], client_secret: 'short' }],
    ['a missing name', { auth_method: 'basic', scopes: [], audiences: [] }],
    ['an empty name', { name: '  ', auth_method: 'basic', scopes: [], audiences: [] }],
  ])('refuses a create with %s (400 invalid_request)', async (_what, body) => {
    const res = await admin('POST', '/admin/v1/clients', body);
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it('sets, changes and clears a refresh grace window; refuses values out of range', async () => {
    const id = `graced-web-${++created}`;
    const made = await admin('POST', '/admin/v1/clients', {
      client_id: id, name: 'Graced', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'], refresh_grace_seconds: 15,
    });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ refresh_grace_seconds: 15 });
    const changed = await admin('PATCH', `/admin/v1/clients/${id}`, { refresh_grace_seconds: 0 });
    expect(changed.json()).toMatchObject({ refresh_grace_seconds: 0 });
    const cleared = await admin('PATCH', `/admin/v1/clients/${id}`, { refresh_grace_seconds: null });
    expect(cleared.json()).toMatchObject({ refresh_grace_seconds: null });
    for (const bad of [-1, 601, 1.5, '10', true]) {
      const res = await admin('PATCH', `/admin/v1/clients/${id}`, { refresh_grace_seconds: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(oauthError(res)).toBe('invalid_request');
    }
    // A client created without one follows the server's REFRESH_GRACE_SECONDS.
    const plain = await newClient();
    expect((await admin('GET', `/admin/v1/clients/${plain}`)).json()).toMatchObject({ refresh_grace_seconds: null });
  });

  it('refuses bad updates and rotations with 400 invalid_request', async () => {
    const id = await newClient();
    for (const [url, body] of [
      [`/admin/v1/clients/${id}`, {}],
      [`/admin/v1/clients/${id}`, { status: 'deleted' }],
      [`/admin/v1/clients/${id}`, { secret: 'x' }],
    ] as const) {
      const res = await admin('PATCH', url, body);
      expect(res.statusCode).toBe(400);
      expect(oauthError(res)).toBe('invalid_request');
    }
    for (const body of [{ client_secret: 'short' }, { client_secret: 5 }, { other: 1 }, []]) {
      const res = await admin('POST', `/admin/v1/clients/${id}/rotate-secret`, body);
      expect(res.statusCode).toBe(400);
      expect(oauthError(res)).toBe('invalid_request');
    }
  });

  it('refuses a missing or wrong admin token with 401 invalid_token', async () => {
    for (const token of ['wrong', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`]) {
      const res = await admin('GET', '/admin/v1/clients', undefined, token);
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_token');
    }
    const none = await t.app.inject({ method: 'GET', url: '/admin/v1/clients' });
    expect(none.statusCode).toBe(401);
    const basicAuth = await t.app.inject({ method: 'GET', url: '/admin/v1/clients', headers: { authorization: basic('admin', ADMIN_TOKEN) } });
    expect(basicAuth.statusCode).toBe(401);
  });

  it('logs no secret: creating and rotating print the secret in the answer only', async () => {
    const lines: string[] = [];
    const { default: pino } = await import('pino');
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const app = await createIdentityApp({ config: testConfig(tdb), db: tdb.db, clock: t.clock, logger });
    try {
      const created = await app.inject({
        method: 'POST',
        url: '/admin/v1/clients',
        headers: { authorization: bearer(ADMIN_TOKEN), 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'logged', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] }),
      });
      const secret = created.json<{ client_secret: string; client_id: string }>().client_secret;
      await app.inject({ method: 'POST', url: `/admin/v1/clients/${created.json<{ client_id: string }>().client_id}/rotate-secret`, headers: { authorization: bearer(ADMIN_TOKEN) } });
      const all = lines.join('\n');
      expect(all).toContain('client created');
      expect(all).not.toContain(secret);
      expect(all).not.toContain(ADMIN_TOKEN);
    } finally {
      await app.close();
    }
  });
});

describe.each(await databaseTargets())('admin API without an admin token on $kind', (target) => {
  const tdb = withDatabase(target);
  let app: FastifyInstance;
  beforeAll(async () => {
    const base = testConfig(tdb, { MODE: 'development', SEED_DEV_CLIENTS: 'false' });
    assert.isDefined(base.adminToken);
    // Same configuration with the admin token removed (development mode allows none).
    app = await createIdentityApp({ config: { ...base, adminToken: undefined }, db: tdb.db, logger: false });
  });
  afterAll(async () => app?.close());

  it('refuses every admin route with 404 in the OAuth shape', async () => {
    for (const [method, url] of [
      ['GET', '/admin/v1/clients'],
      ['POST', '/admin/v1/clients'],
      ['GET', '/admin/v1/clients/x'],
      ['PATCH', '/admin/v1/clients/x'],
      ['POST', '/admin/v1/clients/x/rotate-secret'],
      ['POST', '/admin/v1/clients/x/disable'],
    ] as const) {
      const res = await app.inject({ method, url, headers: { authorization: bearer(ADMIN_TOKEN) } });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(oauthError(res)).toBe('not_found');
    }
  });
});
