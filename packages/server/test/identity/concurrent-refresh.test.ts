/**
 * Two refreshes of the same refresh token at the same moment, through two independent
 * database connections: exactly one wins, the other is treated as reuse (the family is
 * revoked and the answer is invalid_grant).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createIdentityServices, type IdentityServices } from '../../src/identity/context.js';
import { systemClock } from '../../src/lib/clock.js';
import { InvalidGrantError } from '../../src/lib/oauth-error.js';
import { findClient, type ClientRecord } from '../../src/storage/clients-repository.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';

const ITERATIONS = 40;

describe.each(await databaseTargets())('concurrent refresh on $kind', (target) => {
  const tdb = withDatabase(target);
  let one: IdentityServices;
  let two: IdentityServices;
  let client: ClientRecord;

  beforeAll(async () => {
    const config = loadConfig({ MODE: 'production', LOG_LEVEL: 'silent', MASTER_KEY: randomBytes(32).toString('base64'), ADMIN_TOKEN: 'a'.repeat(40), ...tdb.env });
    const masterKey = config.masterKey!;
    // Two connections (two pools on PostgreSQL, two SQLite handles on one file), like two server processes.
    one = await createIdentityServices({ config, db: tdb.connect(), clock: systemClock, masterKey, prune: false });
    two = await createIdentityServices({ config, db: tdb.connect(), clock: systemClock, masterKey, prune: false });
    const created = await one.admin.create({ name: 'race', authMethod: 'hmac', scopes: ['orders.read'], audiences: ['orders-api'] });
    client = (await findClient(tdb.db, created.client_id))!;
  });
  afterAll(() => {
    one?.close();
    two?.close();
  });

  it(`exactly one of two simultaneous exchanges wins, ${ITERATIONS} times in a row`, async () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const { response, familyId } = await one.issuer.issue(client, { audience: 'orders-api', subject: `racer-${i}`, includeRefreshToken: true });
      const token = response.refresh_token!;
      const results = await Promise.allSettled([one.rotation.rotate(client.id, token), two.rotation.rotate(client.id, token)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won, `iteration ${i}`).toHaveLength(1);
      expect(lost, `iteration ${i}`).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(InvalidGrantError);
      // The loser was treated as reuse: the whole family, the winner's new tokens included, is revoked.
      const family = await tdb.db.selectFrom('token_families').select(['status', 'revoked_reason']).where('id', '=', familyId).executeTakeFirstOrThrow();
      expect(family).toEqual({ status: 'revoked', revoked_reason: 'refresh_token_reuse' });
      const refreshTokens = await tdb.db.selectFrom('refresh_tokens').select('status').where('family_id', '=', familyId).execute();
      expect(refreshTokens.map((r) => r.status).sort()).toEqual(['revoked', 'spent']);
    }
  });

  it('a token exchanged once, with no race, rotates normally', async () => {
    const { response } = await one.issuer.issue(client, { audience: 'orders-api', subject: 'calm', includeRefreshToken: true });
    const next = await two.rotation.rotate(client.id, response.refresh_token!);
    expect(next.refresh_token).toBeDefined();
    const again = await one.rotation.rotate(client.id, next.refresh_token!);
    expect(again.access_token).toBeDefined();
  });
});
