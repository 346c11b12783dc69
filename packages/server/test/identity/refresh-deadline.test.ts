/**
 * The sidecar's deadline (`x-idsvc-deadline`, contract/internal-api.ts): a refresh that
 * would commit after the sidecar stopped waiting rolls back, so the client, told 502, still
 * holds a usable refresh token. The header is believed only with the internal secret.
 */
import { describe, expect, it } from 'vitest';
import { identityServicesOf } from '../../src/identity/app.js';
import { DeadlinePassedError } from '../../src/identity/services/refresh-rotation.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { INTERNAL_SECRET, T0, bearer, issueTokens, oauthError, post, registerClient, withIdentity } from '../helpers/identity.js';

describe.each(await databaseTargets())('refresh deadline on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { internalSecret: INTERNAL_SECRET });
  const refresh = (accessToken: string, refreshToken: string, extra: Record<string, string> = {}) =>
    post(t.app, '/api/v1/token', { authorization: bearer(accessToken), ...extra }, { grant_type: 'refresh_token', refresh_token: refreshToken });
  const tokenStatus = async (familyId: string) =>
    (await tdb.db.selectFrom('refresh_tokens').select('status').where('family_id', '=', familyId).execute()).map((r) => r.status).sort();
  const familyOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti.split('.')[0]!;

  it('a trusted deadline already passed answers 503 temporarily_unavailable and spends nothing', async () => {
    t.clock.set(T0);
    const client = await registerClient(t.app);
    const tokens = await issueTokens(t.app, client);
    const res = await refresh(tokens.access_token, tokens.refresh_token, { 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-idsvc-deadline': String(T0 - 1) });
    expect(res.statusCode).toBe(503);
    expect(oauthError(res)).toBe('temporarily_unavailable');
    expect(await tokenStatus(familyOf(tokens.access_token))).toEqual(['active']);
    // The same token, with time left, rotates.
    const ok = await refresh(tokens.access_token, tokens.refresh_token, { 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-idsvc-deadline': String(T0 + 5000) });
    expect(ok.statusCode).toBe(200);
  });

  it('a deadline without the internal secret, or malformed, is ignored', async () => {
    t.clock.set(T0);
    const client = await registerClient(t.app);
    const first = await issueTokens(t.app, client);
    const forged = await refresh(first.access_token, first.refresh_token, { 'x-idsvc-internal-auth': 'guessed', 'x-idsvc-deadline': String(T0 - 1) });
    expect(forged.statusCode).toBe(200);
    const second = forged.json<{ access_token: string; refresh_token: string }>();
    const odd = await refresh(second.access_token, second.refresh_token, { 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-idsvc-deadline': '-5' });
    expect(odd.statusCode).toBe(200);
  });

  it('a deadline that passes while the exchange runs rolls it back before COMMIT: the token stays active', async () => {
    t.clock.set(T0);
    const client = await registerClient(t.app);
    const tokens = await issueTokens(t.app, client);
    const { issuer, rotation } = identityServicesOf(t.app);
    const successor = issuer.refreshTokenOf.bind(issuer);
    // Time passes between the checks at the start and the writes (a paused process, a slow disk).
    issuer.refreshTokenOf = (token, now) => {
      t.clock.advance(2000);
      return successor(token, now);
    };
    try {
      await expect(rotation.rotate(client.id, tokens.refresh_token, { deadline: T0 + 1000 })).rejects.toBeInstanceOf(DeadlinePassedError);
    } finally {
      issuer.refreshTokenOf = successor;
    }
    expect(await tokenStatus(familyOf(tokens.access_token))).toEqual(['active']);
    // The client, told 502, retries with the token it holds, and it works.
    expect((await refresh(tokens.access_token, tokens.refresh_token)).statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^idsvc_refresh_deadline_rollbacks_total\{service="identity"\} [1-9]/m);
  });
});
