/**
 * Refresh with rotation (docs/protocol.md section 8; RFC 9700 section 4.14.2):
 * `POST /api/v1/token` with `grant_type=refresh_token` and a bearer.
 */
import { describe, expect, it } from 'vitest';
import { identityServicesOf } from '../../src/identity/app.js';
import { isUniqueViolation } from '../../src/storage/database.js';
import { familyIdOfJti, refreshTokenHash } from '../../src/identity/services/token-issuer.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0, bearer, decodeJwt, issueTokens, oauthError, post, withIdentity, isActive, twoClients } from '../helpers/identity.js';

describe.each(await databaseTargets())('refresh with rotation on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb);
  const clients = twoClients(t);
  const refresh = (caller: string, body: Record<string, unknown>) => post(t.app, '/api/v1/token', { authorization: bearer(caller) }, body);
  const active = (caller: string, token: string) => isActive(t.app, caller, token);

  it('returns a new access token and a new refresh token in the same family, and spends the presented one', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const first = await issueTokens(t.app, a, { audience: 'orders-api', scope: 'orders.read', subject: 'u', include_refresh_token: true, custom_claims: { tenant: 't1' } });
    t.clock.advance(60_000);
    const res = await refresh(first.access_token, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const second = res.json<{ access_token: string; refresh_token: string; scope: string; token_type: string; expires_in: number }>();
    expect(second).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'orders.read' });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const claims = decodeJwt(second.access_token).payload;
    expect(claims).toMatchObject({ sub: 'u', client_id: a.id, aud: 'orders-api', tenant: 't1', iat: (T0 + 60_000) / 1000 });
    const families = await tdb.db
      .selectFrom('refresh_tokens')
      .select(['family_id', 'status'])
      .where('family_id', '=', familyIdOfJti(claims.jti as string)!)
      .execute();
    expect(families.map((f) => f.status).sort()).toEqual(['active', 'spent']);
    expect(await active(second.access_token, first.access_token)).toBe(true);
  });

  it('accepts an expired bearer of the same client, as refresh usually comes after expiry', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const first = await issueTokens(t.app, a);
    t.clock.set(T0 + 3600_000);
    const res = await refresh(first.access_token, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(res.statusCode).toBe(200);
  });

  it('presenting a spent refresh token again revokes the whole family and answers invalid_grant', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const first = await issueTokens(t.app, a);
    const second = (await refresh(first.access_token, { grant_type: 'refresh_token', refresh_token: first.refresh_token })).json<{ access_token: string; refresh_token: string }>();
    const witness = await issueTokens(t.app, a, { audience: 'orders-api', subject: 'someone-else' });

    const reuse = await refresh(first.access_token, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(reuse.statusCode).toBe(400);
    expect(oauthError(reuse)).toBe('invalid_grant');

    // Every access and refresh token of the family is dead, including the ones the reuse did not present.
    expect(await active(witness.access_token, first.access_token)).toBe(false);
    expect(await active(witness.access_token, second.access_token)).toBe(false);
    expect(await active(witness.access_token, second.refresh_token)).toBe(false);
    const again = await refresh(witness.access_token, { grant_type: 'refresh_token', refresh_token: second.refresh_token });
    expect(oauthError(again)).toBe('invalid_grant');
    const family = await tdb.db
      .selectFrom('token_families')
      .select(['status', 'revoked_reason', 'revoked_at'])
      .where('id', '=', familyIdOfJti(decodeJwt(second.access_token).payload.jti as string)!)
      .executeTakeFirstOrThrow();
    expect(family).toMatchObject({ status: 'revoked', revoked_reason: 'refresh_token_reuse', revoked_at: T0 });
    // Reusing the family's own token pair is a dead grant: invalid_grant, as documented.
    const dead = await refresh(second.access_token, { grant_type: 'refresh_token', refresh_token: second.refresh_token });
    expect(dead.statusCode).toBe(400);
    expect(oauthError(dead)).toBe('invalid_grant');
  });

  it('a bearer of a revoked family answers invalid_grant only with its own family\'s refresh token', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const revoked = await issueTokens(t.app, a);
    const other = await issueTokens(t.app, a, { audience: 'orders-api', subject: 'someone-else', include_refresh_token: true });
    await post(t.app, '/api/v1/revoke', { authorization: bearer(revoked.access_token) }, { token: revoked.refresh_token });

    const reuse = await refresh(revoked.access_token, { grant_type: 'refresh_token', refresh_token: revoked.refresh_token });
    expect(reuse.statusCode).toBe(400);
    expect(oauthError(reuse)).toBe('invalid_grant');
    // With another family's live refresh token, or no grant at all, the dead bearer authenticates nothing.
    for (const body of [
      { grant_type: 'refresh_token', refresh_token: other.refresh_token },
      { grant_type: 'refresh_token', refresh_token: 'unknown' },
      { grant_type: 'password', refresh_token: revoked.refresh_token },
    ]) {
      const res = await refresh(revoked.access_token, body);
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_token');
    }
    // The other family was not touched.
    expect((await refresh(other.access_token, { grant_type: 'refresh_token', refresh_token: other.refresh_token })).statusCode).toBe(200);
  });

  it("refuses another client's refresh token with invalid_grant, and leaves it usable by its owner", async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    const mine = await issueTokens(t.app, a);
    const theirs = await issueTokens(t.app, b);
    const res = await refresh(mine.access_token, { grant_type: 'refresh_token', refresh_token: theirs.refresh_token });
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_grant');
    expect((await refresh(theirs.access_token, { grant_type: 'refresh_token', refresh_token: theirs.refresh_token })).statusCode).toBe(200);
  });

  it('refuses an unknown, an expired and a revoked refresh token with invalid_grant', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    expect(oauthError(await refresh(tokens.access_token, { grant_type: 'refresh_token', refresh_token: 'unknown-token' }))).toBe('invalid_grant');

    const revoked = await issueTokens(t.app, a);
    await post(t.app, '/api/v1/revoke', { authorization: bearer(tokens.access_token) }, { token: revoked.refresh_token });
    expect(oauthError(await refresh(tokens.access_token, { grant_type: 'refresh_token', refresh_token: revoked.refresh_token }))).toBe('invalid_grant');

    t.clock.set(T0 + 30 * 24 * 3600_000 + 1000);
    const fresh = await issueTokens(t.app, a);
    const expired = await refresh(fresh.access_token, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(expired.statusCode).toBe(400);
    expect(oauthError(expired)).toBe('invalid_grant');
  });

  it('refuses a grant type other than refresh_token with unsupported_grant_type, and a missing refresh_token with invalid_request', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    for (const grant_type of ['client_credentials', 'authorization_code', 'password', 'urn:ietf:params:oauth:grant-type:token-exchange']) {
      const res = await refresh(tokens.access_token, { grant_type, refresh_token: tokens.refresh_token });
      expect(res.statusCode).toBe(400);
      expect(oauthError(res)).toBe('unsupported_grant_type');
    }
    const missing = await refresh(tokens.access_token, { grant_type: 'refresh_token' });
    expect(missing.statusCode).toBe(400);
    expect(oauthError(missing)).toBe('invalid_request');
    const noGrant = await refresh(tokens.access_token, { refresh_token: tokens.refresh_token });
    expect(oauthError(noGrant)).toBe('invalid_request');
    // None of these spent the token.
    expect((await refresh(tokens.access_token, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).statusCode).toBe(200);
  });

  it('refuses a bearer with a bad signature, and one that is not a token of this server, with 401 invalid_token', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    const [h, p] = tokens.access_token.split('.');
    for (const token of [`${h}.${p}.${'A'.repeat(86)}`, 'not-a-token']) {
      const res = await refresh(token, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_token');
    }
  });

  it('rotates completely or not at all: a failure after spending leaves the presented token unspent', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    const { issuer, rotation } = identityServicesOf(t.app);
    const other = await issueTokens(t.app, a);
    const successor = issuer.refreshTokenOf.bind(issuer);
    // The new refresh token collides with an existing one: the transaction fails after the spend.
    issuer.refreshTokenOf = (token, now) => ({ ...successor(token, now), hash: refreshTokenHash(other.refresh_token) });
    try {
      await expect(rotation.rotate(a.id, tokens.refresh_token)).rejects.toSatisfy(isUniqueViolation);
    } finally {
      issuer.refreshTokenOf = successor;
    }
    const res = await refresh(tokens.access_token, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(res.statusCode).toBe(200);
  });
});
