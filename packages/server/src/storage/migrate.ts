/** Versioned schema migrations, run at start and by the `migrate` command. */
import { Migrator, type MigrationResult } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './schema.js';

/** Thrown when a migration fails; the database is left at the last migration that succeeded. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Bring the schema up to date. Safe to run on every start and from several processes at
 * once: Kysely's migrator takes a lock, records each migration in `kysely_migration`, and
 * runs each one in a transaction on both databases.
 *
 * @returns the names of the migrations applied by this call (empty when already current).
 * @example
 * ```ts
 * const applied = await migrate(db); // ['001-initial'] the first time, [] afterwards
 * ```
 */
export async function migrate(db: Database): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
