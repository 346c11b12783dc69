import { CamelCasePlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledCommand, compiledQuery } from '../../src/storage/compiled-query.js';
import { openSqlite } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import type { ClientStatus, Database } from '../../src/storage/schema.js';

describe('queries compiled once', () => {
  let db: Database;
  beforeAll(async () => {
    db = openSqlite(':memory:');
    await migrate(db);
    for (const [id, status] of [['a', 'active'], ['b', 'disabled'], ['c', 'active']] as const) {
      await db
        .insertInto('clients')
        .values({ id, name: id, auth_method: 'basic', secret_hash: 'h', secret_box: null, scopes: '[]', audiences: '[]', status, created_at: 1, updated_at: 1 })
        .execute();
    }
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('gives each call the rows of its own values', async () => {
    const byId = compiledQuery((d, id: string) => d.selectFrom('clients').select(['id', 'status']).where('id', '=', id));
    expect(await byId(db, 'a')).toEqual([{ id: 'a', status: 'active' }]);
    expect(await byId(db, 'b')).toEqual([{ id: 'b', status: 'disabled' }]);
    expect(await byId(db, 'zzz')).toEqual([]);
  });

  it('puts each value in its own place, whatever the order of the arguments in the SQL', async () => {
    // The status comes first in the SQL, the id first in the arguments.
    const query = compiledQuery((d, id: string, status: string) =>
      d.selectFrom('clients').select('id').where(sql<boolean>`status = ${status}`).where('id', '=', id),
    );
    expect(await query(db, 'a', 'active')).toEqual([{ id: 'a' }]);
    expect(await query(db, 'b', 'active')).toEqual([]);
    expect(await query(db, 'b', 'disabled')).toEqual([{ id: 'b' }]);
  });

  it('keeps the constant values of the query', async () => {
    const activeById = compiledQuery((d, id: string) => d.selectFrom('clients').select('id').where('status', '=', 'active').where('id', '=', id));
    expect(await activeById(db, 'c')).toEqual([{ id: 'c' }]);
    expect(await activeById(db, 'b')).toEqual([]);
  });

  it('refuses an argument that does not reach the query as a value', async () => {
    const shaped = compiledQuery((d, _unused: string) => d.selectFrom('clients').select('id'));
    await expect(shaped(db, 'x')).rejects.toBeInstanceOf(TypeError);
  });

  it('compiles once for a database and all its transactions, and once more for another database', async () => {
    let builds = 0;
    const byId = compiledQuery((d, id: string) => {
      builds++;
      return d.selectFrom('clients').select('id').where('id', '=', id);
    });
    expect(await byId(db, 'a')).toEqual([{ id: 'a' }]);
    for (const id of ['b', 'c']) {
      // Each transaction is a new Kysely object: it must still find the query compiled.
      expect(await db.transaction().execute((trx) => byId(trx, id))).toEqual([{ id }]);
    }
    expect(builds).toBe(1);
    const other = openSqlite(':memory:');
    try {
      await migrate(other);
      expect(await byId(other, 'a')).toEqual([]);
      expect(builds).toBe(2);
    } finally {
      await other.destroy();
    }
  });

  it('refuses a database with plugins, whose queries a shared compilation would not rewrite', async () => {
    const byId = compiledQuery((d, id: string) => d.selectFrom('clients').select('id').where('id', '=', id));
    await expect(byId(db.withPlugin(new CamelCasePlugin()), 'a')).rejects.toBeInstanceOf(TypeError);
    // Also once compiled for the same database without the plugin (the cache is per adapter, which both share).
    expect(await byId(db, 'a')).toEqual([{ id: 'a' }]);
    await expect(byId(db.withPlugin(new CamelCasePlugin()), 'a')).rejects.toBeInstanceOf(TypeError);
  });

  it('counts the rows a command changed, with the values of each call', async () => {
    const rename = compiledCommand((d, name: string, status: ClientStatus) => d.updateTable('clients').set({ name }).where('status', '=', status));
    expect(await rename(db, 'renamed', 'active')).toBe(2);
    expect(await rename(db, 'renamed', 'nobody-has-this' as ClientStatus)).toBe(0);
    const names = await db.selectFrom('clients').select(['id', 'name']).orderBy('id').execute();
    expect(names).toEqual([
      { id: 'a', name: 'renamed' },
      { id: 'b', name: 'b' },
      { id: 'c', name: 'renamed' },
    ]);
  });

  it('counts no row for an insert that met a conflict and did nothing', async () => {
    const insert = compiledCommand((d, jti: string) =>
      d
        .insertInto('revoked_access_tokens')
        .values({ jti, family_id: 'f', expires_at: 1, revoked_at: 1 })
        .onConflict((oc) => oc.column('jti').doNothing()),
    );
    await db.insertInto('token_families').values({ id: 'f', client_id: 'a', subject: 's', scope: '', audience: 'x', claims: '{}', status: 'active', created_at: 1, revoked_at: null, revoked_reason: null }).execute();
    expect(await insert(db, 'j1')).toBe(1);
    expect(await insert(db, 'j1')).toBe(0);
    expect(await insert(db, 'j2')).toBe(1);
  });
});
