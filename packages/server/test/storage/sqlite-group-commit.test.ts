/**
 * Group commit on SQLite: transactions finishing in the same turn of the event loop share
 * one COMMIT, yet each caller still learns of its transaction only once it is durable,
 * and one transaction's failure costs the others nothing unless the shared COMMIT fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommitSqliteDialect } from '../../src/storage/sqlite-driver.js';

type Db = Kysely<{ t: { x: number } }>;

describe('SQLite group commit', () => {
  let dir: string;
  let path: string;
  let sqlite: BetterSqlite3.Database;
  let db: Db;
  /** Another connection to the same file: it sees only what is committed. */
  let observer: BetterSqlite3.Database;
  let commits: number;

  const committedRows = (): number[] => (observer.prepare('select x from t order by x').all() as { x: number }[]).map((r) => r.x);
  const insert = (trx: Db, x: number): Promise<unknown> => trx.insertInto('t').values({ x }).execute();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idsvc-group-'));
    path = join(dir, 'db.sqlite');
    sqlite = new BetterSqlite3(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('create table t (x integer primary key)');
    // Count the COMMITs the driver sends.
    commits = 0;
    const exec = sqlite.exec.bind(sqlite);
    sqlite.exec = (source: string) => {
      if (source === 'commit') commits++;
      return exec(source);
    };
    db = new Kysely({ dialect: groupCommitSqliteDialect(sqlite, { busyTimeoutMs: 1000 }) });
    observer = new BetterSqlite3(path, { readonly: true });
  });
  afterEach(async () => {
    observer.close();
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('commits the transactions of one turn together, and resolves each only once its rows are committed', async () => {
    const seenWhenResolved: boolean[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db
          .transaction()
          .execute((trx) => insert(trx, i))
          .then(() => seenWhenResolved.push(committedRows().includes(i))),
      ),
    );
    expect(seenWhenResolved).toEqual(Array.from({ length: 20 }, () => true));
    expect(committedRows()).toHaveLength(20);
    expect(commits).toBe(1);
  });

  it('rolls back a failing transaction alone; the rest of its group commits', async () => {
    const results = await Promise.allSettled([
      db.transaction().execute((trx) => insert(trx, 1)),
      db.transaction().execute(async (trx) => {
        await insert(trx, 2);
        throw new Error('refused');
      }),
      // A duplicate key: the statement fails, and so the transaction.
      db.transaction().execute(async (trx) => {
        await insert(trx, 3);
        await insert(trx, 1);
      }),
      db.transaction().execute((trx) => insert(trx, 4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(results[2]).toMatchObject({ reason: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } });
    expect(committedRows()).toEqual([1, 4]);
  });

  it('fails every transaction of the group when the shared COMMIT fails, and keeps none of their rows', async () => {
    // A deferred foreign key is checked at COMMIT only: one bad row makes the COMMIT fail.
    sqlite.exec('create table child (id integer primary key, parent integer references t (x) deferrable initially deferred)');
    sqlite.pragma('foreign_keys = ON');
    const results = await Promise.allSettled([
      db.transaction().execute((trx) => insert(trx, 1)),
      db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw('insert into child (id, parent) values (1, 999)'))),
      db.transaction().execute((trx) => insert(trx, 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results[0]).toMatchObject({ reason: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
    expect(committedRows()).toEqual([]);
    // The connection is usable afterwards.
    await db.transaction().execute((trx) => insert(trx, 3));
    expect(committedRows()).toEqual([3]);
  });

  it('fails the whole group when SQLite rolls back the shared transaction itself', async () => {
    sqlite.exec(`create table doomed (y integer);
      create trigger doomed_insert before insert on doomed begin select raise(rollback, 'rolled back by trigger'); end;`);
    const results = await Promise.allSettled([
      db.transaction().execute((trx) => insert(trx, 1)),
      db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw('insert into doomed values (1)'))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(results[1]).toMatchObject({ reason: { message: 'rolled back by trigger' } });
    expect(committedRows()).toEqual([]);
    await db.transaction().execute((trx) => insert(trx, 2));
    expect(committedRows()).toEqual([2]);
  });

  it('commits the open group before a write made outside any transaction', async () => {
    const grouped = db.transaction().execute((trx) => insert(trx, 1));
    // Queued behind the transaction, in the same turn: the group is still open when it runs.
    const alone = db.insertInto('t').values({ x: 2 }).execute();
    await alone;
    expect(committedRows()).toEqual([1, 2]);
    await grouped;
    expect(commits).toBe(1);
  });

  it('counts an UPDATE ... RETURNING outside a transaction as a write: the group commits first, then the update', async () => {
    await db.transaction().execute((trx) => insert(trx, 1));
    const grouped = db.transaction().execute((trx) => insert(trx, 2));
    const updated = await db.updateTable('t').set({ x: 20 }).where('x', '=', 2).returningAll().execute();
    expect(updated).toEqual([{ x: 20 }]);
    // Resolved means committed, the group's insert included.
    expect(committedRows()).toEqual([1, 20]);
    await grouped;
  });

  it('commits an open group when the database is closed', async () => {
    let inserted!: () => void;
    const reached = new Promise<void>((resolve) => (inserted = resolve));
    const pending = db.transaction().execute(async (trx) => {
      await insert(trx, 7);
      inserted();
    });
    await reached;
    await db.destroy();
    await pending;
    expect(committedRows()).toEqual([7]);
    // Reopened for afterEach.
    sqlite = new BetterSqlite3(path);
    db = new Kysely({ dialect: groupCommitSqliteDialect(sqlite, { busyTimeoutMs: 1000 }) });
  });
});
