/**
 * One query layer over two databases: SQLite (better-sqlite3) embedded by default, at the
 * configured file path, and PostgreSQL (pg) when DATABASE_URL is set.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Database, Tables } from './schema.js';
import { groupCommitSqliteDialect } from './sqlite-driver.js';

/** PostgreSQL's oid for BIGINT (int8): our timestamps, read back as numbers rather than strings. */
const INT8_OID = 20;

/** Options of {@link openSqlite}. */
export interface SqliteOptions {
  /** How long a statement waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /** Checkpoint the WAL from a worker thread rather than on commits (see {@link startCheckpointer}); default off. */
  backgroundCheckpoints?: boolean;
}

/** How often the worker checkpoints. */
const CHECKPOINT_INTERVAL_MS = 50;
/** WAL pages after which a commit checkpoints by itself, should the worker fall behind or stop. */
const FALLBACK_CHECKPOINT_PAGES = 10_000;
/** A WAL file that grew beyond this is cut back to it once checkpointed. */
const WAL_SIZE_LIMIT_BYTES = 32 * 1024 * 1024;

/** The checkpointing worker: CommonJS run from this string, so it needs no build or loader. */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 1000 });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Locked for a moment: the next tick checkpoints what this one could not.
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** How long closing waits for the worker to finish a checkpoint and exit before ending it. */
const CHECKPOINTER_EXIT_WAIT_MS = 2000;

/**
 * Move WAL checkpoints off the event loop. A checkpoint copies the committed pages back into
 * the database file and syncs it; SQLite runs one on the commit that crosses 1000 WAL pages,
 * which made a token issue's commit cost 200 µs on average where the commit alone costs
 * about 60, and stalled the event loop for up to 40 ms every few hundred commits (measured
 * in bench/). Here a worker thread with its own connection checkpoints every 50 ms in
 * PASSIVE mode, which never waits for nor blocks the server's own reads and writes; the
 * server's connection checkpoints by itself only beyond FALLBACK_CHECKPOINT_PAGES. Durability
 * is unchanged: committed pages are in the WAL either way.
 */
function startCheckpointer(sqlite: BetterSqlite3.Database, path: string): () => Promise<void> {
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    // Plain CommonJS: none of the process's loaders or profilers.
    execArgv: [],
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: resolve(path), intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  // The worker must never keep the process alive, nor take it down.
  worker.unref();
  let exited = false;
  const exit = new Promise<void>((done) => worker.once('exit', () => {
    exited = true;
    done();
  }));
  worker.on('error', () => {
    // Back to checkpoints on commit, as if there had been no worker.
    if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
  });
  return async () => {
    if (exited) return;
    // Held alive until it is gone, so the process does not end under it.
    worker.ref();
    worker.postMessage('close');
    const cap = setTimeout(() => void worker.terminate(), CHECKPOINTER_EXIT_WAIT_MS);
    await exit;
    clearTimeout(cap);
  };
}

/** Open (and create, with its folder) a SQLite database file in WAL mode. `:memory:` works too. */
export function openSqlite(path: string, options: SqliteOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const sqlite = new BetterSqlite3(path, { timeout: busyTimeoutMs });
  // WAL: readers never block the writer; NORMAL sync is durable across application crashes
  // and loses at most the last commits on power loss, the usual trade-off with WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const stopCheckpointer = options.backgroundCheckpoints === true && path !== ':memory:' ? startCheckpointer(sqlite, path) : undefined;
  return new Kysely<Tables>({
    dialect: groupCommitSqliteDialect(sqlite, { busyTimeoutMs, ...(stopCheckpointer ? { beforeClose: stopCheckpointer } : {}) }),
  });
}

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number;
}

/**
 * Open a PostgreSQL connection pool. Connections are made on first use, and again after
 * the server went away: a query while it is down fails fast (the caller answers 503) and
 * the pool reconnects by itself once it is back.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A server that accepts TCP but never answers must not hold a request forever.
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server closed (restart, crash, failover) emits 'error': the pool
  // reports an idle one, the client itself one that is checked out. Without listeners the
  // process would crash on it. Queries on a lost connection fail on their own (503), the
  // pool drops it, and the next queries open a new one.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * The database the configuration names: PostgreSQL when `DATABASE_URL` is set, else the
 * SQLite file at `SQLITE_PATH`. Close it with `db.destroy()`. Run {@link migrate} before use.
 *
 * @example
 * ```ts
 * const db = openDatabase(loadConfig(process.env));
 * await migrate(db);
 * ```
 */
export function openDatabase(config: Config): Database {
  return config.database.url !== undefined ? openPostgres(config.database.url) : openSqlite(config.database.sqlitePath, { backgroundCheckpoints: true });
}

/** `true` when `err` is a unique or primary key violation, on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * `true` when `db` (or the transaction) is on PostgreSQL. Some writes take one statement
 * there (data-modifying `WITH`, which SQLite lacks) where SQLite needs a transaction.
 */
export function isPostgres(db: Database): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Run `write` in a transaction: the caller's when `db` is one, else a new one. */
export function inTransaction<T>(db: Database, write: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}
