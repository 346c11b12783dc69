/**
 * The sidecar contract: `x-idsvc-*` headers are trusted only with the internal secret, a
 * session of one client cannot carry another client's calls, and
 * `POST /internal/v1/bearer/verify` answers the authenticated session init check.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityApp } from '../../src/identity/app.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { INTERNAL_SECRET, ISSUE_BODY, T0, basic, bearer, issueTokens, oauthError, post, registerClient, testConfig, withIdentity } from '../helpers/identity.js';

describe.each(await databaseTargets())('internal headers and bearer check on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { internalSecret: INTERNAL_SECRET });
  let a: { id: string; secret: string } | undefined;
  let b: { id: string; secret: string } | undefined;
  const clients = async () => {
    a ??= await registerClient(t.app);
    b ??= await registerClient(t.app);
    return { a, b };
  };
  const forwarded = (clientId: string, secret = INTERNAL_SECRET) => ({
    'x-idsvc-internal-auth': secret,
    'x-clientid': clientId,
    'x-request-id': 'req-1',
  });
  const verify = (headers: Record<string, string>) => post(t.app, '/internal/v1/bearer/verify', headers, {});

  it('issues through a trusted session of the same client, and refuses a session of another client with 401 invalid_client', async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    const same = await post(t.app, '/api/v1/token/issue', { authorization: basic(a.id, a.secret), ...forwarded(a.id) }, ISSUE_BODY);
    expect(same.statusCode).toBe(200);
    const other = await post(t.app, '/api/v1/token/issue', { authorization: basic(a.id, a.secret), ...forwarded(b.id) }, ISSUE_BODY);
    expect(other.statusCode).toBe(401);
    expect(oauthError(other)).toBe('invalid_client');
  });

  it('refuses a bearer through a trusted session of another client with 401 invalid_token', async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    const tokens = await issueTokens(t.app, a);
    for (const route of ['/api/v1/introspect', '/api/v1/revoke', '/api/v1/token']) {
      const res = await post(t.app, route, { authorization: bearer(tokens.access_token), ...forwarded(b.id) }, { token: tokens.access_token, grant_type: 'refresh_token', refresh_token: 'x' });
      expect(res.statusCode, route).toBe(401);
      expect(oauthError(res)).toBe('invalid_token');
    }
    const ok = await post(t.app, '/api/v1/introspect', { authorization: bearer(tokens.access_token), ...forwarded(a.id) }, { token: tokens.access_token });
    expect(ok.json()).toMatchObject({ active: true });
  });

  it('ignores forged x-idsvc-* headers: without the right internal secret they change nothing', async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    // The forged session claims another client: were it trusted, these calls would be refused.
    const issued = await post(t.app, '/api/v1/token/issue', { authorization: basic(a.id, a.secret), ...forwarded(b.id, 'forged-secret-forged-secret-forged!!') }, ISSUE_BODY);
    expect(issued.statusCode).toBe(200);
    const token = issued.json<{ access_token: string }>().access_token;
    const intro = await post(t.app, '/api/v1/introspect', { authorization: bearer(token), ...forwarded(b.id, `${INTERNAL_SECRET}x`) }, { token });
    expect(intro.json()).toMatchObject({ active: true });
    // And the internal route stays hidden.
    const res = await verify({ authorization: bearer(token), 'x-clientid': a.id, 'x-subject': 'test-user', 'x-idsvc-internal-auth': 'forged-secret-forged-secret-forged!!' });
    expect(res.statusCode).toBe(404);
    expect(oauthError(res)).toBe('not_found');
  });

  it('bearer verify answers 200 for a live bearer of that client and subject', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    const res = await verify({ authorization: bearer(tokens.access_token), 'x-clientid': a.id, 'x-subject': 'test-user', 'x-idsvc-internal-auth': INTERNAL_SECRET });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ active: true, sub: 'test-user', client_id: a.id, exp: T0 / 1000 + 900 });
  });

  it('bearer verify answers 401 unauthorized for another subject, another client, a revoked, expired or malformed bearer', async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    const tokens = await issueTokens(t.app, a);
    const revoked = await issueTokens(t.app, a);
    await post(t.app, '/api/v1/revoke', { authorization: bearer(tokens.access_token) }, { token: revoked.refresh_token });
    const cases: Record<string, string>[] = [
      { authorization: bearer(tokens.access_token), 'x-clientid': a.id, 'x-subject': 'someone-else' },
      { authorization: bearer(tokens.access_token), 'x-clientid': b.id, 'x-subject': 'test-user' },
      { authorization: bearer(revoked.access_token), 'x-clientid': a.id, 'x-subject': 'test-user' },
      { authorization: bearer('not-a-token'), 'x-clientid': a.id, 'x-subject': 'test-user' },
      { 'x-clientid': a.id, 'x-subject': 'test-user' },
      { authorization: bearer(tokens.access_token), 'x-subject': 'test-user' },
      { authorization: bearer(tokens.access_token), 'x-clientid': a.id },
    ];
    for (const headers of cases) {
      const res = await verify({ ...headers, 'x-idsvc-internal-auth': INTERNAL_SECRET });
      expect(res.statusCode, JSON.stringify(Object.keys(headers))).toBe(401);
      expect(oauthError(res)).toBe('unauthorized');
    }
    t.clock.set(T0 + 901_000);
    const expired = await verify({ authorization: bearer(tokens.access_token), 'x-clientid': a.id, 'x-subject': 'test-user', 'x-idsvc-internal-auth': INTERNAL_SECRET });
    expect(expired.statusCode).toBe(401);
    expect(oauthError(expired)).toBe('unauthorized');
  });

  it('bearer verify is hidden (404) without the internal secret', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    const res = await verify({ authorization: bearer(tokens.access_token), 'x-clientid': a.id, 'x-subject': 'test-user' });
    expect(res.statusCode).toBe(404);
    expect(oauthError(res)).toBe('not_found');
  });
});

describe.each(await databaseTargets())('an identity API without an internal secret on $kind', (target) => {
  const tdb = withDatabase(target);
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await createIdentityApp({ config: testConfig(tdb), db: tdb.db, logger: false });
  });
  afterAll(async () => app?.close());

  it('trusts no x-idsvc-* header and hides the internal route', async () => {
    const a = await registerClient(app);
    const b = await registerClient(app);
    const res = await post(app, '/api/v1/token/issue', { authorization: basic(a.id, a.secret), 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-clientid': b.id }, ISSUE_BODY);
    expect(res.statusCode).toBe(200);
    const verify = await post(app, '/internal/v1/bearer/verify', { 'x-idsvc-internal-auth': INTERNAL_SECRET, authorization: bearer(res.json<{ access_token: string }>().access_token), 'x-clientid': a.id, 'x-subject': 'test-user' }, {});
    expect(verify.statusCode).toBe(404);
  });
});
