/** Token issue, docs/protocol.md section 8: `POST /api/v1/token/issue` with Basic client authentication. */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { identityServicesOf } from '../../src/identity/app.js';
import { isUniqueViolation } from '../../src/storage/database.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, T0, basic, bearer, decodeJwt, issueTokens, oauthError, post, registerClient, withIdentity } from '../helpers/identity.js';

describe.each(await databaseTargets())('token issue on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb);
  let client: { id: string; secret: string };
  const ready = async (): Promise<{ id: string; secret: string }> => (client ??= await registerClient(t.app, { scopes: ['orders.read', 'orders.write'] }));

  it('issues an RFC 9068 access token with the registered claims, the custom claims and a kid from the JWKS', async () => {
    const c = await ready();
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, {
      ...ISSUE_BODY,
      scope: 'orders.read orders.write',
      custom_claims: { roles: 'admin', tenant: 'test-corp', level: 3, beta: true, groups: ['a', 'b'], org: { id: 7 } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'orders.read orders.write' });
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);

    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: object[] }>();
    const { payload, protectedHeader } = await jwtVerify(body.access_token as string, createLocalJWKSet(jwks as never), {
      currentDate: new Date(T0),
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(typeof protectedHeader.kid).toBe('string');
    expect(payload).toMatchObject({
      iss: t.config.identity.issuer,
      sub: 'test-user',
      aud: 'orders-api',
      client_id: c.id,
      scope: 'orders.read orders.write',
      iat: T0 / 1000,
      exp: T0 / 1000 + 900,
      roles: 'admin',
      tenant: 'test-corp',
      level: 3,
      beta: true,
      groups: ['a', 'b'],
      org: { id: 7 },
    });
    // The jti names the token's family (how revocation finds it: the issue time in hex and
    // 96 random bits) and 96 random bits of its own.
    expect(payload.jti).toMatch(new RegExp(`^${T0.toString(16).padStart(12, '0')}[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{16}$`));
  });

  it('issues an opaque refresh token of at least 256 bits, stored only as a SHA-256 hash', async () => {
    const c = await ready();
    const tokens = await issueTokens(t.app, c);
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(Buffer.from(tokens.refresh_token, 'base64url').length).toBeGreaterThanOrEqual(32);
    const rows = await tdb.db.selectFrom('refresh_tokens').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === tokens.refresh_token)).toBe(false);
    const { createHash } = await import('node:crypto');
    expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(tokens.refresh_token).digest('hex'));
  });

  it('starts a new token family on every issue', async () => {
    const c = await ready();
    const before = await tdb.db.selectFrom('token_families').select('id').where('client_id', '=', c.id).execute();
    await issueTokens(t.app, c);
    await issueTokens(t.app, c);
    const after = await tdb.db.selectFrom('token_families').select('id').where('client_id', '=', c.id).execute();
    expect(after.length).toBe(before.length + 2);
  });

  it('grants every scope of the client when none is asked for, and leaves out the refresh token unless asked', async () => {
    const c = await ready();
    const tokens = await issueTokens(t.app, c, { audience: 'orders-api', subject: 'u1' });
    expect(tokens.scope).toBe('orders.read orders.write');
    expect(tokens.refresh_token).toBeUndefined();
    expect(decodeJwt(tokens.access_token).payload.scope).toBe('orders.read orders.write');
  });

  it('refuses a scope the client may not ask for with invalid_scope', async () => {
    const c = await ready();
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, scope: 'orders.read orders.delete' });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_scope');
  });

  it('refuses an audience the client may not ask for with invalid_target (RFC 8707)', async () => {
    const c = await ready();
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, audience: 'billing-api' });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_target');
  });

  it.each(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'cnf', 'act', 'may_act', 'azp', 'typ', 'token_type', 'auth_time', 'acr', 'amr', 'sid', 'nonce', 'active', 'username'])(
    'refuses the reserved claim name "%s" in custom_claims with invalid_request naming it',
    async (name) => {
      const c = await ready();
      for (const value of ['x', false, 'yes']) {
        const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, custom_claims: { [name]: value } });
        expect(res.statusCode).toBe(400);
        expect(oauthError(res)).toBe('invalid_request');
        expect(res.json<{ error_description: string }>().error_description).toContain(`"${name}"`);
      }
    },
  );

  it('limits the serialised custom claims to customClaimsMaxBytes (4 KiB)', async () => {
    const c = await ready();
    const fits = { blob: 'x'.repeat(4096 - '{"blob":""}'.length) };
    const ok = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, custom_claims: fits });
    expect(ok.statusCode).toBe(200);
    const tooBig = { blob: 'x'.repeat(4096 - '{"blob":""}'.length + 1) };
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, custom_claims: tooBig });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it('counts the custom claims limit in bytes, not characters', async () => {
    const c = await ready();
    // 2,100 characters, 4,200 bytes of UTF-8.
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, custom_claims: { name: 'é'.repeat(2100) } });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it('refuses null as a custom claim value', async () => {
    const c = await ready();
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, { ...ISSUE_BODY, custom_claims: { x: null } });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it('single_session revokes every other active family of this client for this subject, and only those', async () => {
    const c = await ready();
    const a = await issueTokens(t.app, c, { ...ISSUE_BODY, subject: 'alice' });
    const other = await issueTokens(t.app, c, { ...ISSUE_BODY, subject: 'bob' });
    const b = await issueTokens(t.app, c, { ...ISSUE_BODY, subject: 'alice', single_session: true });
    const introspect = (token: string) =>
      post(t.app, '/api/v1/introspect', { authorization: bearer(b.access_token) }, { token }).then((r) => r.json<{ active: boolean }>().active);
    expect(await introspect(a.access_token)).toBe(false);
    expect(await introspect(b.access_token)).toBe(true);
    expect(await introspect(other.access_token)).toBe(true);
    const refresh = await post(t.app, '/api/v1/token', { authorization: bearer(b.access_token) }, { grant_type: 'refresh_token', refresh_token: a.refresh_token });
    expect(refresh.statusCode).toBe(400);
    expect(oauthError(refresh)).toBe('invalid_grant');
    const family = await tdb.db.selectFrom('token_families').select(['status', 'revoked_reason']).where('subject', '=', 'alice').where('status', '=', 'revoked').execute();
    expect(family.length).toBeGreaterThanOrEqual(1);
    expect(family.every((f) => f.revoked_reason === 'single_session')).toBe(true);
  });

  it('refuses a wrong secret, an unknown client and a missing Authorization with 401 invalid_client', async () => {
    const c = await ready();
    for (const authorization of [basic(c.id, `${c.secret}x`), basic('no-such-client', c.secret), undefined, 'Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64')]) {
      const res = await post(t.app, '/api/v1/token/issue', authorization === undefined ? {} : { authorization }, ISSUE_BODY);
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    }
  });

  it('compares secrets in full: a secret differing only after its 72nd byte is refused', async () => {
    const secret = `${'s'.repeat(80)}-tail-A`;
    const long = await registerClient(t.app, { secret });
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic(long.id, secret) }, ISSUE_BODY)).statusCode).toBe(200);
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(long.id, `${'s'.repeat(80)}-tail-B`) }, ISSUE_BODY);
    expect(res.statusCode).toBe(401);
    expect(oauthError(res)).toBe('invalid_client');
  });

  it('a rotated secret stops working at once, even though it was verified (and cached) just before', async () => {
    const c = await registerClient(t.app);
    await issueTokens(t.app, c);
    const rotated = await identityServicesOf(t.app).admin.rotateSecret(c.id);
    const old = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, ISSUE_BODY);
    expect(old.statusCode).toBe(401);
    await issueTokens(t.app, { id: c.id, secret: rotated.client_secret });
  });

  it('a disabled client is refused at once, even with a cached secret, and so are its bearers', async () => {
    const c = await registerClient(t.app);
    const tokens = await issueTokens(t.app, c);
    await identityServicesOf(t.app).admin.disable(c.id);
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(c.id, c.secret) }, ISSUE_BODY);
    expect(res.statusCode).toBe(401);
    expect(oauthError(res)).toBe('invalid_client');
    const intro = await post(t.app, '/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.access_token });
    expect(intro.statusCode).toBe(401);
    expect(oauthError(intro)).toBe('invalid_token');
  });

  it('refuses Basic for a client registered for HMAC', async () => {
    const h = await registerClient(t.app, { authMethod: 'hmac' });
    const res = await post(t.app, '/api/v1/token/issue', { authorization: basic(h.id, h.secret) }, ISSUE_BODY);
    expect(res.statusCode).toBe(401);
    expect(oauthError(res)).toBe('invalid_client');
  });

  it('rolls back a failed issue completely: neither the family nor a token is left behind', async () => {
    const c = await ready();
    const count = async () => {
      const [f, r] = await Promise.all([
        tdb.db.selectFrom('token_families').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        tdb.db.selectFrom('refresh_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return [Number(f.n), Number(r.n)];
    };
    const before = await count();
    const client = (await import('../../src/storage/clients-repository.js')).findClient;
    const record = await client(tdb.db, c.id);
    // Make the last insert of the transaction fail: a refresh-token hash that already exists.
    const issuer = identityServicesOf(t.app).issuer;
    const existing = await tdb.db.selectFrom('refresh_tokens').select('token_hash').executeTakeFirstOrThrow();
    const mint = issuer.mintRefreshToken.bind(issuer);
    issuer.mintRefreshToken = (now: number) => ({ ...mint(now), hash: existing.token_hash });
    try {
      await expect(issuer.issue(record!, { audience: 'orders-api', subject: 'x', includeRefreshToken: true })).rejects.toSatisfy(isUniqueViolation);
    } finally {
      issuer.mintRefreshToken = mint;
    }
    expect(await count()).toEqual(before);
  });
});

describe.each(await databaseTargets())('configured token lifetimes on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { env: { ACCESS_TOKEN_TTL: '120', REFRESH_TOKEN_TTL: '3600' } });

  it('issues access tokens for ACCESS_TOKEN_TTL and refresh tokens for REFRESH_TOKEN_TTL', async () => {
    t.clock.set(T0);
    const c = await registerClient(t.app);
    const tokens = await issueTokens(t.app, c);
    expect(tokens.expires_in).toBe(120);
    const { payload } = decodeJwt(tokens.access_token);
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    t.clock.set(T0 + 3601_000);
    const res = await post(t.app, '/api/v1/token', { authorization: bearer(tokens.access_token) }, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_grant');
  });
});
