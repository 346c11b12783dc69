/**
 * Wrong Basic secrets cost one scrypt run each, and anyone can send them. The identity API
 * checks at most two at a time with a bounded line behind, at most one per client id, and
 * holds a client off after repeated wrong secrets; what is not checked is refused 503 with
 * `Retry-After` at once. One client's flood never refuses or delays another client, nor a
 * remembered correct secret.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, basic, oauthError, post, registerClient, withIdentity } from '../helpers/identity.js';
import { metricValue } from '../ops/helpers/metrics.js';
import { verifySecret } from '../../src/lib/secret-hash.js';

function issue(t: ReturnType<typeof withIdentity>, id: string, secret: string): Promise<LightMyRequestResponse> {
  return post(t.app, '/api/v1/token/issue', { authorization: basic(id, secret) }, ISSUE_BODY);
}

describe('a flood of wrong Basic secrets', () => {
  const tdb = withDatabase({ kind: 'sqlite' });
  const t = withIdentity(tdb);

  it("for one client never refuses another client's first, not yet remembered, secret, nor a remembered one", async () => {
    const victim = await registerClient(t.app);
    const bystander = await registerClient(t.app);
    // The victim's right secret, checked once, is remembered.
    expect((await issue(t, victim.id, victim.secret)).statusCode).toBe(200);
    const metrics = async (): Promise<number> =>
      metricValue((await t.app.inject({ method: 'GET', url: '/metrics' })).body, 'idsvc_secret_checks_refused_total');
    const before = await metrics();

    // 80 different wrong secrets for the victim at once, as in the probe.
    const flood = Array.from({ length: 80 }, (_, i) => issue(t, victim.id, `wrong-${i}`));
    // During the flood: another client's first issue (its secret never checked before),
    // and the victim's remembered secret.
    const [first, remembered] = await Promise.all([issue(t, bystander.id, bystander.secret), issue(t, victim.id, victim.secret)]);
    const answers = await Promise.all(flood);

    expect(first.statusCode).toBe(200);
    expect(remembered.statusCode).toBe(200);
    const refused = answers.filter((a) => a.statusCode === 503);
    const wrong = answers.filter((a) => a.statusCode === 401);
    expect(refused.length + wrong.length).toBe(80);
    // One check at a time for one client: the flood costs one turn, not the whole line.
    expect(wrong.length).toBeLessThanOrEqual(2);
    for (const a of refused) {
      expect(a.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    for (const a of wrong) expect(oauthError(a)).toBe('invalid_client');
    expect((await metrics()) - before).toBe(refused.length);
  });

  it('holds the failing client off with a growing Retry-After, never the remembered secret, and lets it in once the hold-off is over', async () => {
    const client = await registerClient(t.app);
    const other = await registerClient(t.app);
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(200);

    // Five wrong secrets in a row are checked and refused 401; then the client is held off.
    for (let i = 0; i < 5; i++) expect((await issue(t, client.id, `wrong-${i}`)).statusCode).toBe(401);
    const held = await issue(t, client.id, 'wrong-5');
    expect(held.statusCode).toBe(503);
    expect(oauthError(held)).toBe('temporarily_unavailable');
    expect(held.headers['retry-after']).toBe('1');

    // Its remembered secret still works; another client is not held off.
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(200);
    expect((await issue(t, other.id, other.secret)).statusCode).toBe(200);

    // After the hold-off one more wrong secret is checked, and the next hold-off is twice as long.
    t.clock.advance(1000);
    expect((await issue(t, client.id, 'wrong-6')).statusCode).toBe(401);
    const longer = await issue(t, client.id, 'wrong-7');
    expect(longer.statusCode).toBe(503);
    expect(longer.headers['retry-after']).toBe('2');
  });

  it('a correct secret that is not remembered waits out the hold-off, then succeeds and clears it', async () => {
    const client = await registerClient(t.app);
    for (let i = 0; i < 5; i++) expect((await issue(t, client.id, `wrong-${i}`)).statusCode).toBe(401);
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(503);
    t.clock.advance(1000);
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(200);
    // Cleared: a wrong secret is checked again (401), not held off.
    expect((await issue(t, client.id, 'wrong-again')).statusCode).toBe(401);
  });
});

describe('exact Basic secrets', () => {
  const tdb = withDatabase({ kind: 'sqlite' });
  const t = withIdentity(tdb);

  it('refuses the secret with trailing zero bytes', async () => {
    const client = await registerClient(t.app);
    expect((await issue(t, client.id, `${client.secret}\0`)).statusCode).toBe(401);
    expect((await issue(t, client.id, `${client.secret}\0\0\0`)).statusCode).toBe(401);
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(200);
    // Not even once the right secret is remembered.
    expect((await issue(t, client.id, `${client.secret}\0`)).statusCode).toBe(401);
  });

  it('migrates a first-version stored hash on the next successful check, refusing its alias before and after', async () => {
    const client = await registerClient(t.app);
    // A hash stored by the first version: scrypt over the raw secret.
    const salt = randomBytes(16);
    const raw = scryptSync(Buffer.from(client.secret), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = `scrypt$15$8$1$${salt.toString('base64url')}$${raw.toString('base64url')}`;
    await tdb.db.updateTable('clients').set({ secret_hash: legacy }).where('id', '=', client.id).execute();
    const stored = async (): Promise<string | null> =>
      (await tdb.db.selectFrom('clients').select('secret_hash').where('id', '=', client.id).executeTakeFirstOrThrow()).secret_hash;

    expect((await issue(t, client.id, `${client.secret}\0`)).statusCode).toBe(401);
    expect(await stored()).toBe(legacy);
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(200);
    const migrated = await stored();
    expect(migrated).toMatch(/^scrypt2\$15\$8\$1\$/);
    expect(await verifySecret(Buffer.from(client.secret), migrated!)).toBe(true);
    expect((await issue(t, client.id, client.secret)).statusCode).toBe(200);
    expect((await issue(t, client.id, `${client.secret}\0`)).statusCode).toBe(401);
  });
});
