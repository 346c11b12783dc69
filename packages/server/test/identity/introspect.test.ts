/** Introspection, RFC 7662 (docs/protocol.md section 8): `POST /api/v1/introspect` with a bearer. */
import { describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, T0, bearer, issueTokens, oauthError, post, withIdentity, twoClients } from '../helpers/identity.js';

describe.each(await databaseTargets())('introspection on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb);
  const clients = twoClients(t);
  const introspect = (caller: string, body: Record<string, unknown>) => post(t.app, '/api/v1/introspect', { authorization: bearer(caller) }, body);

  it('describes an active access token of the caller with its claims', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a, { ...ISSUE_BODY, custom_claims: { roles: 'admin', tenant: 'test-corp' } });
    const res = await introspect(tokens.access_token, { token: tokens.access_token, token_type_hint: 'access_token' });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      active: true,
      scope: 'orders.read',
      client_id: a.id,
      sub: 'test-user',
      aud: 'orders-api',
      iss: t.config.identity.issuer,
      exp: T0 / 1000 + 900,
      iat: T0 / 1000,
      token_type: 'Bearer',
      roles: 'admin',
      tenant: 'test-corp',
    });
    expect(typeof body.jti).toBe('string');
  });

  it('describes the bearer itself exactly as it describes it to another bearer of the same client', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a, { ...ISSUE_BODY, custom_claims: { tenant: 'test-corp' } });
    const other = await issueTokens(t.app, a);
    const itself = (await introspect(tokens.access_token, { token: tokens.access_token })).json<Record<string, unknown>>();
    const fromOther = (await introspect(other.access_token, { token: tokens.access_token })).json<Record<string, unknown>>();
    expect(itself).toEqual(fromOther);
    expect(itself).toMatchObject({ active: true, tenant: 'test-corp' });
  });

  it('works without a hint, and describes an active refresh token of the caller too', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    expect((await introspect(tokens.access_token, { token: tokens.access_token })).json()).toMatchObject({ active: true });
    const res = await introspect(tokens.access_token, { token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    expect(res.json()).toMatchObject({ active: true, client_id: a.id, sub: 'test-user', scope: 'orders.read', token_type: 'refresh_token' });
    // A wrong hint does not hide the token (RFC 7009/7662: look at the other kinds too).
    expect((await introspect(tokens.access_token, { token: tokens.refresh_token, token_type_hint: 'access_token' })).json()).toMatchObject({ active: true });
  });

  it("answers exactly {active:false} for another client's token", async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    const mine = await issueTokens(t.app, a);
    const theirs = await issueTokens(t.app, b);
    expect((await introspect(mine.access_token, { token: theirs.access_token })).json()).toEqual({ active: false });
    expect((await introspect(mine.access_token, { token: theirs.refresh_token })).json()).toEqual({ active: false });
  });

  it('answers exactly {active:false} for an expired, a revoked, a garbage and a forged token', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const old = await issueTokens(t.app, a);
    t.clock.set(T0 + 901_000);
    const caller = await issueTokens(t.app, a);
    expect((await introspect(caller.access_token, { token: old.access_token })).json()).toEqual({ active: false });

    const revoked = await issueTokens(t.app, a);
    await post(t.app, '/api/v1/revoke', { authorization: bearer(caller.access_token) }, { token: revoked.access_token });
    expect((await introspect(caller.access_token, { token: revoked.access_token })).json()).toEqual({ active: false });

    const [h, p, s] = caller.access_token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'orders.write' })).toString('base64url');
    for (const token of ['garbage', 'a.b.c', `${h}.${forgedPayload}.${s}`, `${h}.${p}.${s!.slice(0, -4)}AAAA`, 'x'.repeat(8192)]) {
      const res = await introspect(caller.access_token, { token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ active: false });
    }
  });

  it('refuses a missing, malformed, expired or revoked bearer with 401 invalid_token', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    const noAuth = await post(t.app, '/api/v1/introspect', {}, { token: tokens.access_token });
    expect(noAuth.statusCode).toBe(401);
    expect(oauthError(noAuth)).toBe('invalid_token');
    expect(noAuth.headers['www-authenticate']).toMatch(/^Bearer/);
    for (const authorization of ['Bearer', 'Bearer not-a-jwt', `Basic ${tokens.access_token}`, `Bearer ${tokens.refresh_token}`]) {
      const res = await post(t.app, '/api/v1/introspect', { authorization }, { token: tokens.access_token });
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_token');
    }
    t.clock.set(T0 + 901_000);
    const expired = await introspect(tokens.access_token, { token: tokens.access_token });
    expect(expired.statusCode).toBe(401);
    expect(oauthError(expired)).toBe('invalid_token');
  });
});
