/** The first schema: clients, token families, refresh tokens, revoked access tokens, signing keys. */
import { sql, type Kysely } from 'kysely';

// Migrations are frozen in time, so they take an untyped Kysely, not today's `Tables`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('auth_method', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('secret_box', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('audiences', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('clients_auth_method_check', sql`auth_method in ('basic', 'hmac')`)
    .addCheckConstraint('clients_status_check', sql`status in ('active', 'disabled')`)
    .addCheckConstraint(
      'clients_secret_check',
      sql`(auth_method = 'basic' and secret_hash is not null and secret_box is null)
       or (auth_method = 'hmac' and secret_box is not null and secret_hash is null)`,
    )
    .execute();

  await db.schema
    .createTable('token_families')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_reason', 'text')
    .addCheckConstraint('token_families_status_check', sql`status in ('active', 'revoked')`)
    .execute();
  // single_session looks up the active families of one client and subject.
  await db.schema
    .createIndex('token_families_client_subject_idx')
    .on('token_families')
    .columns(['client_id', 'subject', 'status'])
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('token_families.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('spent_at', 'bigint')
    .addCheckConstraint('refresh_tokens_status_check', sql`status in ('active', 'spent', 'revoked')`)
    .execute();
  await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family_id').execute();
  await db.schema.createIndex('refresh_tokens_expires_idx').on('refresh_tokens').column('expires_at').execute();

  await db.schema
    .createTable('revoked_access_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('token_families.id'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revoked_access_tokens_family_idx').on('revoked_access_tokens').column('family_id').execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_box', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activates_at', 'bigint', (c) => c.notNull())
    .addColumn('retires_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addCheckConstraint('signing_keys_state_check', sql`state in ('next', 'active', 'retired')`)
    .execute();
  // At most one `next` and one `active` key: two processes rotating at once cannot both win.
  await db.schema
    .createIndex('signing_keys_one_per_state_idx')
    .on('signing_keys')
    .column('state')
    .unique()
    .where(sql.ref('state'), '<>', 'retired')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['signing_keys', 'revoked_access_tokens', 'refresh_tokens', 'token_families', 'clients']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
