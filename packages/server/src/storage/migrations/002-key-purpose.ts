/**
 * Signing keys get a purpose: `token` keys sign access tokens, `handshake` keys sign the
 * sidecar's session init transcripts (docs/protocol.md section 12.1). Both rotate through
 * the same states in the same table, each purpose on its own: one `next` and one `active`
 * key per purpose.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every key that exists so far signs tokens.
  await db.schema
    .alterTable('signing_keys')
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('token').check(sql`purpose in ('token', 'handshake')`))
    .execute();
  await db.schema.dropIndex('signing_keys_one_per_state_idx').execute();
  await db.schema
    .createIndex('signing_keys_one_per_purpose_state_idx')
    .on('signing_keys')
    .columns(['purpose', 'state'])
    .unique()
    .where(sql.ref('state'), '<>', 'retired')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from signing_keys where purpose = 'handshake'`.execute(db);
  await db.schema.dropIndex('signing_keys_one_per_purpose_state_idx').execute();
  await db.schema.alterTable('signing_keys').dropColumn('purpose').execute();
  await db.schema
    .createIndex('signing_keys_one_per_state_idx')
    .on('signing_keys')
    .column('state')
    .unique()
    .where(sql.ref('state'), '<>', 'retired')
    .execute();
}
