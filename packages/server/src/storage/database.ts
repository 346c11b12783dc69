/**
 * One query layer over two databases: SQLite (better-sqlite3) embedded by default, at the
 * configured file path, and PostgreSQL (pg) when DATABASE_URL is set.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Database, Tables } from './schema.js';

/** PostgreSQL's oid for BIGINT (int8): our timestamps, read back as numbers rather than strings. */
const INT8_OID = 20;

/**
 * SQLite's plain `BEGIN` takes the write lock only at the first write, and a transaction that
 * read first and then finds another process writing fails at once (SQLITE_BUSY_SNAPSHOT)
 * instead of waiting. `BEGIN IMMEDIATE` takes the write lock up front, so concurrent writers
 * (a CLI next to a running server) queue behind busy_timeout instead of failing.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly sqliteConfig: SqliteDialectConfig) {
    super(sqliteConfig);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.sqliteConfig);
  }
}

/** Prepared statements kept per SQLite connection; enough for every query the server makes. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew, and preparing costs as much as running a short
 * query. The server runs the same few queries over and over, so the connection reuses
 * prepared statements by SQL text (bounded; the oldest is dropped first). Statements are
 * used one at a time on SQLite's single connection, so reuse is safe.
 */
function reusingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Options of {@link openSqlite}. */
export interface SqliteOptions {
  /** How long a statement waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/** Open (and create, with its folder) a SQLite database file in WAL mode. `:memory:` works too. */
export function openSqlite(path: string, options: SqliteOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(path, { timeout: options.busyTimeoutMs ?? 5000 });
  // WAL: readers never block the writer; NORMAL sync is durable across application crashes
  // and loses at most the last commits on power loss, the usual trade-off with WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: reusingStatements(sqlite) }) });
}

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number;
}

/** Open a PostgreSQL connection pool. Connections are made on first use. */
export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
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
  return config.database.url !== undefined ? openPostgres(config.database.url) : openSqlite(config.database.sqlitePath);
}

/** `true` when `err` is a unique or primary key violation, on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
