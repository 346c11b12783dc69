/** Upgrading a database that holds data: each migration keeps what the earlier schema stored. */
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findClient, updateClient } from '../../src/storage/clients-repository.js';
import { migrate } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0 } from '../helpers/identity.js';

describe.each(await databaseTargets())('migrations on $kind', (target) => {
  const tdb = withDatabase(target, { migrate: false });

  it('003 gives the clients of a first-schema database no window of their own (the server default)', async () => {
    const first = new Migrator({ db: tdb.db, provider: { getMigrations: () => Promise.resolve({ '001-initial': MIGRATIONS['001-initial']! }) } });
    expect((await first.migrateToLatest()).error).toBeUndefined();
    await sql`insert into clients (id, name, auth_method, secret_hash, secret_box, scopes, audiences, status, created_at, updated_at)
      values ('old-client', 'Old', 'basic', 'scrypt$x', null, '["a"]', '["b"]', 'active', ${T0}, ${T0})`.execute(tdb.db);

    expect(await migrate(tdb.db)).toEqual(['002-key-purpose', '003-refresh-grace']);
    expect(await findClient(tdb.db, 'old-client')).toMatchObject({ id: 'old-client', scopes: ['a'], refreshGraceSec: null });
    expect(await updateClient(tdb.db, 'old-client', { refreshGraceSec: 600 }, T0)).toMatchObject({ refreshGraceSec: 600 });
  });
});

// PostgreSQL enforces the range itself; on SQLite the admin service does (admin-api.test.ts).
describe.each((await databaseTargets()).filter((t) => t.kind === 'postgres'))('migrations on $kind', (target) => {
  const tdb = withDatabase(target, { migrate: false });

  it('003 bounds the window in the database itself', async () => {
    await migrate(tdb.db);
    await sql`insert into clients (id, name, auth_method, secret_hash, secret_box, scopes, audiences, status, created_at, updated_at)
      values ('bounded-client', 'Bounded', 'basic', 'scrypt$x', null, '["a"]', '["b"]', 'active', ${T0}, ${T0})`.execute(tdb.db);
    const refused = await updateClient(tdb.db, 'bounded-client', { refreshGraceSec: 601 }, T0).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('23514');
  });
});
