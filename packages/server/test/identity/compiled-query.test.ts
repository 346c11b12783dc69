import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledQuery } from '../../src/storage/compiled-query.js';
import { openSqlite } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import type { Database } from '../../src/storage/schema.js';

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
});
