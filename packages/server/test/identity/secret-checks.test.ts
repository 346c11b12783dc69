/**
 * Wrong Basic secrets cost one scrypt run each, and anyone can send them. The identity API
 * checks at most two at a time with a bounded line behind; beyond it a request is refused
 * 503 at once, and clients whose secret is remembered are not held up.
 */
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, basic, oauthError, post, registerClient, withIdentity } from '../helpers/identity.js';
import { metricValue } from '../ops/helpers/metrics.js';

describe('a flood of wrong Basic secrets', () => {
  const tdb = withDatabase({ kind: 'sqlite' });
  const t = withIdentity(tdb);

  it('is refused 503 beyond the line of secret checks, counted, and does not hold up a remembered secret', async () => {
    const client = await registerClient(t.app);
    // The right secret, checked once, is remembered.
    expect((await post(t.app, '/api/v1/token/issue', { authorization: basic(client.id, client.secret) }, ISSUE_BODY)).statusCode).toBe(200);
    const metrics = async (): Promise<number> =>
      metricValue((await t.app.inject({ method: 'GET', url: '/metrics' })).body, 'idsvc_secret_checks_refused_total');
    const before = await metrics();

    // 60 different wrong secrets at once: two are checked, 32 wait, the rest are refused.
    const flood = Array.from({ length: 60 }, (_, i) => post(t.app, '/api/v1/token/issue', { authorization: basic(client.id, `wrong-${i}`) }, ISSUE_BODY));
    let checked = 0;
    for (const answer of flood) void answer.then((a) => (checked += a.statusCode === 401 ? 1 : 0));
    const remembered = await post(t.app, '/api/v1/token/issue', { authorization: basic(client.id, client.secret) }, ISSUE_BODY);
    // Answered without waiting for the line: behind it, it would come after all 34 checks.
    const checkedBeforeRemembered = checked;
    const answers = await Promise.all(flood);

    expect(remembered.statusCode).toBe(200);
    expect(checkedBeforeRemembered).toBeLessThan(34);
    const refused = answers.filter((a) => a.statusCode === 503);
    const wrong = answers.filter((a) => a.statusCode === 401);
    expect(refused.length + wrong.length).toBe(60);
    expect(refused.length).toBeGreaterThan(0);
    // At most 2 running + 32 waiting ever got a check.
    expect(wrong.length).toBeGreaterThanOrEqual(34);
    for (const a of refused) {
      expect(oauthError(a)).toBe('temporarily_unavailable');
      expect(a.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    }
    for (const a of wrong) expect(oauthError(a)).toBe('invalid_client');
    expect((await metrics()) - before).toBe(refused.length);
  });
});
