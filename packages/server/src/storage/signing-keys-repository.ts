/** The `signing_keys` table. */
import type { Selectable } from 'kysely';
import type { Database, SigningKeyPurpose, SigningKeyState, SigningKeysTable } from './schema.js';

/** A signing key row; the private key is still in its encrypted at-rest form. */
export interface SigningKeyRecord {
  kid: string;
  purpose: SigningKeyPurpose;
  state: SigningKeyState;
  publicJwk: Record<string, unknown>;
  privateBox: string;
  createdAt: number;
  activatesAt: number;
  retiresAt: number;
  expiresAt: number | null;
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    purpose: row.purpose,
    state: row.state,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    privateBox: row.private_box,
    createdAt: Number(row.created_at),
    activatesAt: Number(row.activates_at),
    retiresAt: Number(row.retires_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

/** The keys of one purpose, oldest activation first. */
export async function listSigningKeys(db: Database, purpose: SigningKeyPurpose): Promise<SigningKeyRecord[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().where('purpose', '=', purpose).orderBy('activates_at').execute();
  return rows.map(toRecord);
}

/** @throws a unique violation when a key of the same purpose and non-retired state exists. */
export async function insertSigningKey(db: Database, key: SigningKeyRecord): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      purpose: key.purpose,
      state: key.state,
      public_jwk: JSON.stringify(key.publicJwk),
      private_box: key.privateBox,
      created_at: key.createdAt,
      activates_at: key.activatesAt,
      retires_at: key.retiresAt,
      expires_at: key.expiresAt,
    })
    .execute();
}

/**
 * Move a key from state `from` to `to` with new times, only if it is still in `from`.
 * @returns `false` when another process moved it first.
 */
export async function transitionSigningKey(
  db: Database,
  kid: string,
  from: SigningKeyState,
  to: SigningKeyState,
  times: { activatesAt?: number; retiresAt?: number; expiresAt?: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable('signing_keys')
    .set({
      state: to,
      ...(times.activatesAt !== undefined ? { activates_at: times.activatesAt } : {}),
      ...(times.retiresAt !== undefined ? { retires_at: times.retiresAt } : {}),
      ...(times.expiresAt !== undefined ? { expires_at: times.expiresAt } : {}),
    })
    .where('kid', '=', kid)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Delete retired keys of one purpose whose `retires_at` is before `before`. @returns how many. */
export async function deleteRetiredKeys(db: Database, purpose: SigningKeyPurpose, before: number): Promise<number> {
  const result = await db
    .deleteFrom('signing_keys')
    .where('purpose', '=', purpose)
    .where('state', '=', 'retired')
    .where('retires_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
