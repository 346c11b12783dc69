/**
 * Databases for tests. Every storage-touching test runs on both SQLite and PostgreSQL:
 *
 * ```ts
 * describe.each(await databaseTargets())('on $kind', (target) => {
 *   const t = withDatabase(target);
 *   it('...', async () => { await t.db.selectFrom('clients')... });
 * });
 * ```
 *
 * SQLite gets a temporary file; PostgreSQL gets a database of its own, `t_<random>`,
 * created before the tests and dropped after, so parallel files never collide. When
 * PostgreSQL is unreachable the PostgreSQL target is left out with a visible message;
 * under `CI=true` that is a failure instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { RawEnv } from '../../src/config.js';
import { openPostgres, openSqlite } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrate.js';
import type { Database } from '../../src/storage/schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** One database engine to run a suite against. */
export interface DatabaseTarget {
  kind: DatabaseKind;
}

/** The server tests connect to; override with TEST_POSTGRES_URL. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresProbe: Promise<string | undefined> | undefined;

/** `undefined` when PostgreSQL answers, else why not. */
function probePostgres(): Promise<string | undefined> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

/** `true` when running under CI, where nothing may be skipped. */
export function inCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * The engines to test on: SQLite always, PostgreSQL when reachable.
 * @throws under `CI=true` when PostgreSQL is unreachable.
 */
export async function databaseTargets(): Promise<DatabaseTarget[]> {
  const problem = await probePostgres();
  if (problem === undefined) return [{ kind: 'sqlite' }, { kind: 'postgres' }];
  if (inCi()) throw new Error(`PostgreSQL at ${POSTGRES_ADMIN_URL} is unreachable under CI=true: ${problem}`);
  console.warn(`\n*** SKIPPING the PostgreSQL half of these tests: ${POSTGRES_ADMIN_URL} is unreachable (${problem}) ***\n`);
  return [{ kind: 'sqlite' }];
}

/** A database of one test file, valid between its beforeAll and afterAll. */
export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** The main connection (migrated unless asked otherwise). */
  readonly db: Database;
  /** Environment that points the configuration at this database (DATABASE_URL or SQLITE_PATH). */
  readonly env: RawEnv;
  /** The folder of the SQLite file (SQLite only; also a scratch folder for the test). */
  readonly dir: string | undefined;
  /** Another, independent connection to the same database (closed with the rest). */
  connect(): Database;
}

/** Options of {@link withDatabase}. */
export interface WithDatabaseOptions {
  /** Run the migrations in beforeAll (default true). */
  migrate?: boolean;
}

/**
 * Create a fresh database for the enclosing `describe` (beforeAll) and delete it afterwards
 * (afterAll). Read the properties inside tests or hooks, not at collection time.
 */
export function withDatabase(target: DatabaseTarget, options: WithDatabaseOptions = {}): TestDatabase {
  const name = `t_${randomBytes(8).toString('hex')}`;
  const opened: Database[] = [];
  let main: Database | undefined;
  let env: RawEnv = {};
  let dir: string | undefined;
  let url: string | undefined;

  const connect = (): Database => {
    const db = target.kind === 'sqlite' ? openSqlite(join(dir as string, 'identity.db')) : openPostgres(url as string, { max: 5 });
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    if (target.kind === 'sqlite') {
      dir = await mkdtemp(join(tmpdir(), 'idsvc-test-'));
      env = { SQLITE_PATH: join(dir, 'identity.db') };
    } else {
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const u = new URL(POSTGRES_ADMIN_URL);
      u.pathname = `/${name}`;
      url = u.toString();
      env = { DATABASE_URL: url };
      dir = await mkdtemp(join(tmpdir(), 'idsvc-test-'));
    }
    main = connect();
    if (options.migrate !== false) await migrate(main);
  });

  afterAll(async () => {
    await Promise.all(opened.splice(0).map((db) => db.destroy().catch(() => undefined)));
    if (target.kind === 'postgres' && url !== undefined) {
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  return {
    kind: target.kind,
    get db() {
      if (main === undefined) throw new Error('withDatabase: the database exists only between beforeAll and afterAll');
      return main;
    },
    get env() {
      return env;
    },
    get dir() {
      return dir;
    },
    connect,
  };
}
