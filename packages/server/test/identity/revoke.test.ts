/** Revocation, RFC 7009 (docs/protocol.md section 8): `POST /api/v1/revoke` with a bearer. */
import { describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { familyIdOfJti } from '../../src/identity/services/token-issuer.js';
import { T0, bearer, decodeJwt, issueTokens, oauthError, post, withIdentity, isActive, twoClients } from '../helpers/identity.js';

describe.each(await databaseTargets())('revocation on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb);
  const clients = twoClients(t);
  const revoke = (caller: string, body: Record<string, unknown>) => post(t.app, '/api/v1/revoke', { authorization: bearer(caller) }, body);
  const active = (caller: string, token: string) => isActive(t.app, caller, token);

  it('revoking a refresh token revokes its whole family, access tokens included (journey step 6)', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const step2 = await issueTokens(t.app, a);
    const step5 = (await post(t.app, '/api/v1/token', { authorization: bearer(step2.access_token) }, { grant_type: 'refresh_token', refresh_token: step2.refresh_token })).json<{
      access_token: string;
      refresh_token: string;
    }>();
    const res = await revoke(step5.access_token, { token: step5.refresh_token, token_type_hint: 'refresh_token' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});

    // After step 6 the step-5 access token as a bearer answers 401 invalid_token ...
    const asBearer = await post(t.app, '/api/v1/introspect', { authorization: bearer(step5.access_token) }, { token: step5.access_token });
    expect(asBearer.statusCode).toBe(401);
    expect(oauthError(asBearer)).toBe('invalid_token');
    // ... and introspected with another valid bearer of the same client it is inactive.
    const other = await issueTokens(t.app, a);
    expect(await active(other.access_token, step5.access_token)).toBe(false);
    expect(await active(other.access_token, step2.access_token)).toBe(false);
    expect(await active(other.access_token, step5.refresh_token)).toBe(false);
    const familyId = familyIdOfJti(decodeJwt(step5.access_token).payload.jti as string)!;
    const family = await tdb.db.selectFrom('token_families').select(['status', 'revoked_reason']).where('id', '=', familyId).execute();
    expect(family).toEqual([{ status: 'revoked', revoked_reason: 'revoked_by_client' }]);
  });

  it('revoking an access token revokes that token only', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const caller = await issueTokens(t.app, a);
    const target = await issueTokens(t.app, a);
    const refreshed = (await post(t.app, '/api/v1/token', { authorization: bearer(target.access_token) }, { grant_type: 'refresh_token', refresh_token: target.refresh_token })).json<{
      access_token: string;
    }>();
    expect((await revoke(caller.access_token, { token: target.access_token, token_type_hint: 'access_token' })).statusCode).toBe(200);
    expect(await active(caller.access_token, target.access_token)).toBe(false);
    expect(await active(caller.access_token, refreshed.access_token)).toBe(true);
    expect(await active(caller.access_token, caller.access_token)).toBe(true);
  });

  it('finds the token whatever the hint says (RFC 7009 section 2.1)', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const caller = await issueTokens(t.app, a);
    const x = await issueTokens(t.app, a);
    const y = await issueTokens(t.app, a);
    await revoke(caller.access_token, { token: x.refresh_token, token_type_hint: 'access_token' });
    await revoke(caller.access_token, { token: y.access_token, token_type_hint: 'refresh_token' });
    expect(await active(caller.access_token, x.access_token)).toBe(false);
    expect(await active(caller.access_token, y.access_token)).toBe(false);
  });

  it('answers 200 {} for an unknown or malformed token, and for an already revoked one', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const caller = await issueTokens(t.app, a);
    const gone = await issueTokens(t.app, a);
    await revoke(caller.access_token, { token: gone.refresh_token });
    for (const token of ['unknown', 'a.b.c', gone.refresh_token, gone.access_token]) {
      const res = await revoke(caller.access_token, { token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
    }
  });

  it("answers 200 {} for another client's token and leaves it alone", async () => {
    t.clock.set(T0);
    const { a, b } = await clients();
    const mine = await issueTokens(t.app, a);
    const theirs = await issueTokens(t.app, b);
    for (const token of [theirs.refresh_token, theirs.access_token]) {
      const res = await revoke(mine.access_token, { token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
    }
    expect(await active(theirs.access_token, theirs.access_token)).toBe(true);
    expect(await active(theirs.access_token, theirs.refresh_token)).toBe(true);
  });

  it('only a bad caller gets 401 invalid_token; an expired but valid bearer may still revoke', async () => {
    t.clock.set(T0);
    const { a } = await clients();
    const tokens = await issueTokens(t.app, a);
    const bad = await post(t.app, '/api/v1/revoke', { authorization: 'Bearer nope' }, { token: tokens.refresh_token });
    expect(bad.statusCode).toBe(401);
    expect(oauthError(bad)).toBe('invalid_token');
    t.clock.set(T0 + 3600_000);
    const res = await revoke(tokens.access_token, { token: tokens.refresh_token });
    expect(res.statusCode).toBe(200);
    const other = await issueTokens(t.app, a);
    expect(await active(other.access_token, tokens.refresh_token)).toBe(false);
  });
});
