/**
 * Kysely's driver for SQLite (better-sqlite3), with group commit.
 *
 * A commit is the dearest part of a short write on SQLite: in WAL mode every commit appends
 * a frame for each B-tree page it touched and updates the WAL index, and a token issue with
 * a refresh token touches seven (two tables, five indexes). Transactions that finish in the
 * same turn of the event loop therefore share one SQLite transaction: the first opens it
 * (`BEGIN IMMEDIATE`), each runs inside a savepoint of its own, and the shared transaction
 * commits once the turn's work is done. Measured in one process, 50 issues at a time: the
 * storage of an issue took about 90 µs of CPU with a commit each, about 57 µs grouped.
 *
 * What callers see does not change:
 * - a transaction's `execute` resolves only once the COMMIT holding its writes has
 *   succeeded, so no answer is sent for a write that is not yet durable; if that COMMIT
 *   fails, every transaction of the group fails with its error;
 * - a transaction that fails or throws rolls back to its own savepoint, leaving the others
 *   of the group untouched;
 * - transactions still run one at a time on the single connection, so the group behaves as
 *   if they had committed one after the other.
 *
 * Reads outside a transaction may see the writes of a group before its COMMIT. Nobody can
 * hold a token from a write not yet answered, so such a read can only see a revocation or
 * a spent refresh token early, never grant anything that could later be rolled back. A
 * write outside a transaction first commits the open group, then runs on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

/** Options of {@link groupCommitSqliteDialect}. */
export interface SqliteDriverOptions {
  /** How long a transaction waits for another connection's write lock, in ms. */
  busyTimeoutMs: number;
  /** Called when the database closes, before the connection does; resolves once done. */
  beforeClose?: () => Promise<void>;
}

/** Prepared statements kept per connection; enough for every query the server makes. */
const STATEMENT_CACHE_SIZE = 256;

/** The savepoint each transaction of a group runs in; they run one at a time, so one name does. */
const SAVEPOINT = 'idsvc_txn';

/** A first-come, first-served lock over the one connection. */
class Mutex {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  unlock(): void {
    const next = this.waiting.shift();
    // Handed straight to the next in line: nobody can slip in between.
    if (next !== undefined) next();
    else this.held = false;
  }
}

/** One shared SQLite transaction and the transactions waiting for its COMMIT. */
class Group {
  readonly committed: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;

  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A group that fails with no transaction waiting on it must not be an unhandled rejection.
    this.committed.catch(() => undefined);
  }
}

/**
 * The connection as one holder of the lock sees it. Each acquisition gets its own, so that
 * a transaction that gave the lock back early (to wait for its group's COMMIT) cannot give
 * back the next holder's lock when Kysely releases it afterwards.
 */
class HeldConnection implements DatabaseConnection {
  /** The lock has been given back. */
  released = false;
  /** The group this holder's transaction runs in, while it runs. */
  group: Group | undefined;
  /** The transaction has ended (committed, or failed with its group): nothing to roll back. */
  ended = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, query);
  }

  /** Not used by the server. */
  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite');
  }
}

class GroupCommitSqliteDriver implements Driver {
  private readonly mutex = new Mutex();
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** The open shared transaction, if any. */
  private group: Group | undefined;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly options: SqliteDriverOptions,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return new HeldConnection(this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.release(connection as HeldConnection);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const held = connection as HeldConnection;
    if (this.group === undefined) {
      await this.beginImmediate();
      const group = new Group();
      this.group = group;
      // Committed at the end of this turn of the event loop, once every transaction that
      // finishes in it has joined; after them, should one still be running then.
      setImmediate(() => void this.commitWhenFree(group));
    }
    this.sqlite.exec(`savepoint ${SAVEPOINT}`);
    held.group = this.group;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const held = connection as HeldConnection;
    const group = held.group as Group;
    this.sqlite.exec(`release ${SAVEPOINT}`);
    held.ended = true;
    // Give the connection to the next transaction of the group while this one waits.
    this.release(held);
    await group.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const held = connection as HeldConnection;
    if (held.ended) return;
    held.ended = true;
    const group = held.group as Group;
    if (this.sqlite.inTransaction) {
      this.sqlite.exec(`rollback to ${SAVEPOINT}`);
      this.sqlite.exec(`release ${SAVEPOINT}`);
      return;
    }
    // SQLite ended the shared transaction itself (an I/O error, a full disk): the writes
    // of the whole group are gone, so every transaction waiting for it fails.
    if (this.group === group) this.group = undefined;
    group.reject(Object.assign(new Error('SQLite rolled back the transaction'), { code: 'SQLITE_ABORT' }));
  }

  async destroy(): Promise<void> {
    await this.mutex.lock();
    try {
      this.commitGroup();
    } finally {
      this.statements.clear();
      await this.options.beforeClose?.();
      this.sqlite.close();
      // Queries after this fail on the closed connection rather than wait for ever.
      this.mutex.unlock();
    }
  }

  /** Run one statement for `held`. */
  execute<R>(held: HeldConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.prepare(query.sql);
    const parameters = query.parameters as unknown[];
    // A write outside any transaction (`readonly` is SQLite's own verdict, so an UPDATE ...
    // RETURNING counts as a write although it returns rows): SQLite commits it by itself,
    // but only once the open group is committed. Holding the lock means no transaction is
    // halfway.
    if (!statement.readonly && held.group === undefined) this.commitGroup();
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  private release(held: HeldConnection): void {
    if (held.released) return;
    held.released = true;
    this.mutex.unlock();
  }

  private async commitWhenFree(group: Group): Promise<void> {
    await this.mutex.lock();
    try {
      if (this.group === group) this.commitGroup();
    } finally {
      this.mutex.unlock();
    }
  }

  /** Commit the open group, if any, and settle its transactions. Call with the lock held. */
  private commitGroup(): void {
    const group = this.group;
    if (group === undefined) return;
    this.group = undefined;
    try {
      this.sqlite.exec('commit');
      group.resolve();
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.exec('rollback');
      group.reject(err);
    }
  }

  /**
   * SQLite's plain `BEGIN` takes the write lock only at the first write, and a transaction
   * that read first and then finds another process writing fails at once
   * (SQLITE_BUSY_SNAPSHOT) instead of waiting. `BEGIN IMMEDIATE` takes the write lock up
   * front, so concurrent writers (a CLI next to a running server) queue instead of failing.
   *
   * They queue on timers: SQLite's own busy handler sleeps on the thread that called it,
   * which here is the event loop, so every request of the process would stall meanwhile
   * (and with two connections in one process, the holder of the lock could never finish).
   */
  private async beginImmediate(): Promise<void> {
    const { busyTimeoutMs } = this.options;
    const deadline = Date.now() + busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 25)) {
      // exec(): a pragma acts when prepared, so a prepared one would not act again, and
      // exec() is the cheapest way to run one (well under a microsecond).
      this.sqlite.exec('pragma busy_timeout = 0');
      try {
        this.sqlite.exec('begin immediate');
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      } finally {
        this.sqlite.exec(`pragma busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      }
      await sleep(pause);
    }
  }

  /**
   * Kysely would prepare every query anew, and preparing costs as much as running a short
   * query. The server runs the same few queries over and over, so statements are kept by
   * SQL text (bounded; the oldest is dropped first). They are used one at a time on the
   * single connection, so reuse is safe.
   */
  private prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.sqlite.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** Kysely's SQLite dialect over `sqlite`, with the group-commit driver above. */
export function groupCommitSqliteDialect(sqlite: BetterSqlite3.Database, options: SqliteDriverOptions): Dialect {
  return {
    createDriver: () => new GroupCommitSqliteDriver(sqlite, options),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}
