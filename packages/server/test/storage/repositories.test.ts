/** Storage: migrations, constraints, and changes that commit completely or not at all. */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { pruneExpired } from '../../src/storage/maintenance.js';
import { accessTokenState, revokeAccessToken } from '../../src/storage/access-tokens-repository.js';
import { insertClient } from '../../src/storage/clients-repository.js';
import { exchangeRefreshToken, insertFamilyWithRefreshToken, insertRefreshToken, findRefreshToken } from '../../src/storage/refresh-tokens-repository.js';
import { insertFamily, revokeFamily, revokeOtherFamilies, findFamily } from '../../src/storage/token-families-repository.js';
import { isUniqueViolation } from '../../src/storage/database.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0 } from '../helpers/identity.js';

/** A CHECK constraint refused the row, on either database. */
const isCheckViolation = (err: unknown): boolean => ['23514', 'SQLITE_CONSTRAINT_CHECK'].includes((err as { code?: string }).code ?? '');

const targets = await databaseTargets();
const clientBase = { name: 'n', scopes: [], audiences: [], status: 'active' as const, createdAt: T0, updatedAt: T0, refreshGraceSec: null };

describe.each(targets)('migrations on $kind', (target) => {
  const tdb = withDatabase(target, { migrate: false });

  it('migrates a fresh database, then finds nothing left to do', async () => {
    expect(await migrate(tdb.db)).toEqual(['001-initial', '002-key-purpose', '003-refresh-grace']);
    expect(await migrate(tdb.db)).toEqual([]);
    const tables = ['clients', 'token_families', 'refresh_tokens', 'revoked_access_tokens', 'signing_keys'];
    for (const table of tables) {
      const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(tdb.db);
      expect(Number(row.rows[0]!.n)).toBe(0);
    }
  });
});

describe.each(targets)('storage on $kind', (target) => {
  const tdb = withDatabase(target);
  // The client every family below belongs to.
  beforeAll(async () => {
    await insertClient(tdb.db, { ...clientBase, id: 'store-client', authMethod: 'basic', secretHash: 'scrypt$...', secretBox: null });
  });

  const seedFamily = async (id = `f-${randomBytes(4).toString('hex')}`, createdAt = T0, subject = 's') => {
    await insertFamily(tdb.db, { id, clientId: 'store-client', subject, scope: 'a', audience: 'x', claims: { k: 1 }, createdAt });
    return id;
  };
  const seedToken = async (familyId: string, expiresAt = T0 + 1000) => {
    const tokenHash = `h-${randomBytes(8).toString('hex')}`;
    await insertRefreshToken(tdb.db, { tokenHash, familyId, createdAt: T0, expiresAt });
    return tokenHash;
  };
  const tokenStatus = async (tokenHash: string) => (await findRefreshToken(tdb.db, tokenHash))?.status;

  it('runs migrations safely from several connections at once', async () => {
    const others = [tdb.connect(), tdb.connect()];
    const results = await Promise.all(others.map((db) => migrate(db)));
    expect(results).toEqual([[], []]);
  });

  it('enforces the client secret rule: basic has a hash only, hmac an encrypted secret only', async () => {
    const base = clientBase;
    const id = `rule-client-${randomBytes(4).toString('hex')}`;
    await insertClient(tdb.db, { ...base, id, authMethod: 'basic', secretHash: 'scrypt$...', secretBox: null });
    await expect(insertClient(tdb.db, { ...base, id: 'bad-1', authMethod: 'basic', secretHash: null, secretBox: 'v1.x' })).rejects.toSatisfy(isCheckViolation);
    await expect(insertClient(tdb.db, { ...base, id: 'bad-2', authMethod: 'hmac', secretHash: 'h', secretBox: null })).rejects.toSatisfy(isCheckViolation);
    const dup = await insertClient(tdb.db, { ...base, id, authMethod: 'basic', secretHash: 'h', secretBox: null }).catch((e: unknown) => e);
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

  it('revokes a family and its active refresh tokens by itself, outside any transaction, once', async () => {
    const id = await seedFamily();
    const [active, spent] = [await seedToken(id), await seedToken(id)];
    expect(await exchangeRefreshToken(tdb.db, spent, { tokenHash: `n-${spent}`, familyId: id, createdAt: T0, expiresAt: T0 + 1000 }, T0)).toBe(true);
    const bystander = await seedToken(await seedFamily());

    expect(await revokeFamily(tdb.db, id, 'revoked_by_client', T0 + 5)).toBe(true);
    expect(await findFamily(tdb.db, id)).toMatchObject({ status: 'revoked', revokedReason: 'revoked_by_client', revokedAt: T0 + 5 });
    expect(await tokenStatus(active)).toBe('revoked');
    expect(await tokenStatus(`n-${spent}`)).toBe('revoked');
    // A spent token stays spent: presenting it again must still read as reuse.
    expect(await tokenStatus(spent)).toBe('spent');
    expect(await tokenStatus(bystander)).toBe('active');
    // Already revoked: nothing changes, the first reason stays.
    expect(await revokeFamily(tdb.db, id, 'refresh_token_reuse', T0 + 9)).toBe(false);
    expect(await findFamily(tdb.db, id)).toMatchObject({ revokedReason: 'revoked_by_client', revokedAt: T0 + 5 });
  });

  it('revokes the other active families of one client and subject with their tokens, and nothing else', async () => {
    const subject = `ss-${randomBytes(4).toString('hex')}`;
    const [keep, other1, other2, otherSubject] = [
      await seedFamily(undefined, T0, subject),
      await seedFamily(undefined, T0, subject),
      await seedFamily(undefined, T0, subject),
      await seedFamily(undefined, T0, `${subject}-not`),
    ];
    const tokens = { keep: await seedToken(keep), other1: await seedToken(other1), other2: await seedToken(other2), otherSubject: await seedToken(otherSubject) };

    expect(await revokeOtherFamilies(tdb.db, 'store-client', subject, keep, T0 + 7)).toBe(2);
    expect(await findFamily(tdb.db, other1)).toMatchObject({ status: 'revoked', revokedReason: 'single_session', revokedAt: T0 + 7 });
    expect((await findFamily(tdb.db, other2))!.status).toBe('revoked');
    expect((await findFamily(tdb.db, keep))!.status).toBe('active');
    expect((await findFamily(tdb.db, otherSubject))!.status).toBe('active');
    expect(await tokenStatus(tokens.other1)).toBe('revoked');
    expect(await tokenStatus(tokens.other2)).toBe('revoked');
    expect(await tokenStatus(tokens.keep)).toBe('active');
    expect(await tokenStatus(tokens.otherSubject)).toBe('active');
    expect(await revokeOtherFamilies(tdb.db, 'store-client', subject, keep, T0 + 8)).toBe(0);
  });

  it('starts a family with its first refresh token, both or neither', async () => {
    const id = `f-${randomBytes(4).toString('hex')}`;
    const tokenHash = `h-${randomBytes(8).toString('hex')}`;
    await insertFamilyWithRefreshToken(tdb.db, { id, clientId: 'store-client', subject: 'first', scope: 'a', audience: 'x', claims: { k: 2 }, createdAt: T0 }, { tokenHash, createdAt: T0, expiresAt: T0 + 1000 });
    const found = await findRefreshToken(tdb.db, tokenHash);
    expect(found).toMatchObject({ status: 'active', expiresAt: T0 + 1000, family: { id, subject: 'first', claims: { k: 2 }, status: 'active' } });

    // A token hash already taken: the new family is not kept either.
    const other = `f-${randomBytes(4).toString('hex')}`;
    const failed = await insertFamilyWithRefreshToken(tdb.db, { id: other, clientId: 'store-client', subject: 'first', scope: 'a', audience: 'x', claims: {}, createdAt: T0 }, { tokenHash, createdAt: T0, expiresAt: T0 + 1000 }).catch((e: unknown) => e);
    expect(isUniqueViolation(failed)).toBe(true);
    expect(await findFamily(tdb.db, other)).toBeUndefined();
  });

  it('exchanges a refresh token once: spends it and stores the next, and refuses a spent, expired or revoked one without a change', async () => {
    const id = await seedFamily();
    const presented = await seedToken(id);
    const next = (tokenHash: string) => ({ tokenHash, familyId: id, createdAt: T0 + 1, expiresAt: T0 + 2000 });

    expect(await exchangeRefreshToken(tdb.db, presented, next(`${presented}-2`), T0 + 1)).toBe(true);
    const spent = await findRefreshToken(tdb.db, presented);
    expect(spent).toMatchObject({ status: 'spent' });
    const row = await tdb.db.selectFrom('refresh_tokens').select(['spent_at']).where('token_hash', '=', presented).executeTakeFirstOrThrow();
    expect(Number(row.spent_at)).toBe(T0 + 1);
    expect(await findRefreshToken(tdb.db, `${presented}-2`)).toMatchObject({ status: 'active', createdAt: T0 + 1, expiresAt: T0 + 2000, family: { id } });

    // Spent: no second winner, and its would-be successor is not stored.
    expect(await exchangeRefreshToken(tdb.db, presented, next(`${presented}-3`), T0 + 2)).toBe(false);
    expect(await findRefreshToken(tdb.db, `${presented}-3`)).toBeUndefined();

    const expired = await seedToken(id, T0 + 10);
    expect(await exchangeRefreshToken(tdb.db, expired, next(`${expired}-2`), T0 + 10)).toBe(false);
    expect(await tokenStatus(expired)).toBe('active');
    expect(await findRefreshToken(tdb.db, `${expired}-2`)).toBeUndefined();

    const revokedFamily = await seedFamily();
    const revoked = await seedToken(revokedFamily);
    await revokeFamily(tdb.db, revokedFamily, 'revoked_by_client', T0);
    expect(await exchangeRefreshToken(tdb.db, revoked, { ...next(`${revoked}-2`), familyId: revokedFamily }, T0 + 1)).toBe(false);
    expect(await findRefreshToken(tdb.db, `${revoked}-2`)).toBeUndefined();
  });

  it('exchanges all or nothing: when the next token cannot be stored, the presented one stays active', async () => {
    const id = await seedFamily();
    const presented = await seedToken(id);
    const taken = await seedToken(id);
    const failure = await exchangeRefreshToken(tdb.db, presented, { tokenHash: taken, familyId: id, createdAt: T0, expiresAt: T0 + 1000 }, T0).catch((e: unknown) => e);
    expect(isUniqueViolation(failure)).toBe(true);
    expect(await tokenStatus(presented)).toBe('active');
    expect(await exchangeRefreshToken(tdb.db, presented, { tokenHash: `${presented}-2`, familyId: id, createdAt: T0, expiresAt: T0 + 1000 }, T0)).toBe(true);
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
