/**
 * Introspection of a refresh token follows its lifetime: active up to the last millisecond
 * before it expires, inactive from the moment it does (REFRESH_TOKEN_TTL), although the
 * token is still stored and unspent.
 */
import { describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0, isActive, issueTokens, registerClient, withIdentity } from '../helpers/identity.js';

const TTL_SEC = 7200;

describe.each(await databaseTargets())('refresh token introspection over time on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { env: { REFRESH_TOKEN_TTL: String(TTL_SEC) } });

  it('is active until the refresh token expires, inactive from then on', async () => {
    t.clock.set(T0);
    const client = await registerClient(t.app);
    const { refresh_token } = await issueTokens(t.app, client);

    // Each look is made with an access token fresh at that moment, so only the refresh token ages.
    const activeAt = async (ms: number) => {
      t.clock.set(ms);
      const { access_token } = await issueTokens(t.app, client);
      return isActive(t.app, access_token, refresh_token);
    };
    expect(await activeAt(T0 + TTL_SEC * 1000 - 1)).toBe(true);
    expect(await activeAt(T0 + TTL_SEC * 1000)).toBe(false);
    expect(await activeAt(T0 + TTL_SEC * 1000 + 60_000)).toBe(false);
  });
});
