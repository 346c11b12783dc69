/**
 * A per-client refresh grace window (docs/tokens.md): `clients.refresh_grace_seconds`, the
 * seconds during which a just-rotated refresh token may be presented again by its client and
 * get the same successor. NULL means "the server's REFRESH_GRACE_SECONDS".
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('refresh_grace_seconds', 'integer').execute();
  // SQLite cannot add a CHECK constraint to an existing table; the admin service checks the
  // range on both databases, and PostgreSQL enforces it as well.
  if (isPostgres(db)) {
    await sql`alter table clients add constraint clients_refresh_grace_check
      check (refresh_grace_seconds is null or (refresh_grace_seconds >= 0 and refresh_grace_seconds <= 600))`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) await sql`alter table clients drop constraint if exists clients_refresh_grace_check`.execute(db);
  await db.schema.alterTable('clients').dropColumn('refresh_grace_seconds').execute();
}

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
