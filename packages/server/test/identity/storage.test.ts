/** Storage: migrations, constraints, and changes that commit completely or not at all. */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { pruneExpired } from '../../src/storage/maintenance.js';
import { accessTokenState, revokeAccessToken } from '../../src/storage/access-tokens-repository.js';
import { insertClient } from '../../src/storage/clients-repository.js';
import { insertRefreshToken, findRefreshToken } from '../../src/storage/refresh-tokens-repository.js';
import { insertFamily, revokeFamily, findFamily } from '../../src/storage/token-families-repository.js';
import { isUniqueViolation } from '../../src/storage/database.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0 } from '../helpers/identity.js';

describe.each(await databaseTargets())('storage on $kind', (target) => {
  const tdb = withDatabase(target, { migrate: false });

  const seedFamily = async (id = `f-${randomBytes(4).toString('hex')}`, createdAt = T0) => {
    await insertFamily(tdb.db, { id, clientId: 'store-client', subject: 's', scope: 'a', audience: 'x', claims: { k: 1 }, createdAt });
    return id;
  };

  it('migrates a fresh database, then finds nothing left to do', async () => {
    expect(await migrate(tdb.db)).toEqual(['001-initial']);
    expect(await migrate(tdb.db)).toEqual([]);
    const tables = ['clients', 'token_families', 'refresh_tokens', 'revoked_access_tokens', 'signing_keys'];
    for (const table of tables) {
      const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(tdb.db);
      expect(Number(row.rows[0]!.n)).toBe(0);
    }
  });

  it('runs migrations safely from several connections at once', async () => {
    const others = [tdb.connect(), tdb.connect()];
    const results = await Promise.all(others.map((db) => migrate(db)));
    expect(results).toEqual([[], []]);
  });

  it('enforces the client secret rule: basic has a hash only, hmac an encrypted secret only', async () => {
    const base = { name: 'n', scopes: [], audiences: [], status: 'active' as const, createdAt: T0, updatedAt: T0 };
    await insertClient(tdb.db, { ...base, id: 'store-client', authMethod: 'basic', secretHash: 'scrypt$...', secretBox: null });
    await expect(insertClient(tdb.db, { ...base, id: 'bad-1', authMethod: 'basic', secretHash: null, secretBox: 'v1.x' })).rejects.toThrow();
    await expect(insertClient(tdb.db, { ...base, id: 'bad-2', authMethod: 'hmac', secretHash: 'h', secretBox: null })).rejects.toThrow();
    const dup = await insertClient(tdb.db, { ...base, id: 'store-client', authMethod: 'basic', secretHash: 'h', secretBox: null }).catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
  });

  it('stores times as numbers and claims as JSON on both databases', async () => {
    const id = await seedFamily();
    const family = await findFamily(tdb.db, id);
    expect(family).toMatchObject({ id, createdAt: T0, claims: { k: 1 }, status: 'active', revokedAt: null });
    expect(typeof family!.createdAt).toBe('number');
  });

  it('revokes a family completely or not at all: a failure inside the transaction leaves everything as it was', async () => {
    const id = await seedFamily();
    await insertRefreshToken(tdb.db, { tokenHash: `h-${id}`, familyId: id, createdAt: T0, expiresAt: T0 + 1000 });
    await expect(
      tdb.db.transaction().execute(async (trx) => {
        await revokeFamily(trx, id, 'revoked_by_client', T0);
        throw new Error('crash in the middle');
      }),
    ).rejects.toThrow('crash in the middle');
    expect((await findFamily(tdb.db, id))!.status).toBe('active');
    expect((await findRefreshToken(tdb.db, `h-${id}`))!.status).toBe('active');

    await tdb.db.transaction().execute((trx) => revokeFamily(trx, id, 'revoked_by_client', T0));
    expect(await findFamily(tdb.db, id)).toMatchObject({ status: 'revoked', revokedReason: 'revoked_by_client', revokedAt: T0 });
    expect((await findRefreshToken(tdb.db, `h-${id}`))!.status).toBe('revoked');
  });

  it('records an access token revoked on its own, once, and reports it with its family and client status', async () => {
    const id = await seedFamily();
    expect(await accessTokenState(tdb.db, id, `${id}.one`)).toEqual({ revoked: false, familyStatus: 'active', clientStatus: 'active' });
    expect(await revokeAccessToken(tdb.db, { jti: `${id}.one`, familyId: id, expiresAt: T0 + 900_000 }, T0)).toBe(true);
    expect(await revokeAccessToken(tdb.db, { jti: `${id}.one`, familyId: id, expiresAt: T0 + 900_000 }, T0)).toBe(false);
    expect(await accessTokenState(tdb.db, id, `${id}.one`)).toEqual({ revoked: true, familyStatus: 'active', clientStatus: 'active' });
    expect(await accessTokenState(tdb.db, id, `${id}.two`)).toEqual({ revoked: false, familyStatus: 'active', clientStatus: 'active' });
    expect(await accessTokenState(tdb.db, 'no-such-family', `x.one`)).toBeUndefined();
  });

  it('prunes long-expired tokens and the families they leave empty, and keeps the rest', async () => {
    const ttl = 900_000;
    const old = await seedFamily(undefined, T0 - 2 * ttl);
    await insertRefreshToken(tdb.db, { tokenHash: `old-${old}`, familyId: old, createdAt: T0 - 2 * ttl, expiresAt: T0 - 5000 });
    await revokeAccessToken(tdb.db, { jti: `${old}.x`, familyId: old, expiresAt: T0 - ttl }, T0 - 2 * ttl);
    const recent = await seedFamily(undefined, T0 - ttl / 2);
    const live = await seedFamily(undefined, T0 - 2 * ttl);
    await insertRefreshToken(tdb.db, { tokenHash: `live-${live}`, familyId: live, createdAt: T0 - 2 * ttl, expiresAt: T0 + 5000 });
    const result = await pruneExpired(tdb.db, T0, ttl);
    expect(result.revokedAccessTokens).toBeGreaterThanOrEqual(1);
    expect(result.refreshTokens).toBeGreaterThanOrEqual(1);
    expect(await findFamily(tdb.db, old)).toBeUndefined();
    // Its access token may still be live: too young to go.
    expect(await findFamily(tdb.db, recent)).toBeDefined();
    // Its refresh token is live.
    expect(await findFamily(tdb.db, live)).toBeDefined();
  });
});
