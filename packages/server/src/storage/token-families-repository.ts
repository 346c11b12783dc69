/** The `token_families` table: one row per issue, shared by every token refreshed from it. */
import type { Selectable } from 'kysely';
import type { Database, FamilyStatus, TokenFamiliesTable } from './schema.js';

/** A token family. */
export interface FamilyRecord {
  id: string;
  clientId: string;
  subject: string;
  scope: string;
  audience: string;
  claims: Record<string, unknown>;
  status: FamilyStatus;
  createdAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

/** Why a family was revoked; recorded with it. */
export type RevocationReason = 'refresh_token_reuse' | 'revoked_by_client' | 'single_session';

export function toFamilyRecord(row: Selectable<TokenFamiliesTable>): FamilyRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    subject: row.subject,
    scope: row.scope,
    audience: row.audience,
    claims: JSON.parse(row.claims) as Record<string, unknown>,
    status: row.status,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedReason: row.revoked_reason,
  };
}

export async function insertFamily(db: Database, family: Omit<FamilyRecord, 'status' | 'revokedAt' | 'revokedReason'>): Promise<void> {
  await db
    .insertInto('token_families')
    .values({
      id: family.id,
      client_id: family.clientId,
      subject: family.subject,
      scope: family.scope,
      audience: family.audience,
      claims: JSON.stringify(family.claims),
      status: 'active',
      created_at: family.createdAt,
      revoked_at: null,
      revoked_reason: null,
    })
    .execute();
}

export async function findFamily(db: Database, id: string): Promise<FamilyRecord | undefined> {
  const row = await db.selectFrom('token_families').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toFamilyRecord(row);
}

/**
 * Revoke one family: the family row and every refresh token still active in it. Its access
 * tokens die with it, since their check joins the family status. Call inside a transaction.
 *
 * @returns `true` when the family was active until now.
 */
export async function revokeFamily(db: Database, id: string, reason: RevocationReason, now: number): Promise<boolean> {
  await db.updateTable('refresh_tokens').set({ status: 'revoked' }).where('family_id', '=', id).where('status', '=', 'active').execute();
  const result = await db
    .updateTable('token_families')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: reason })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Revoke every active family of `clientId` for `subject` but `exceptId` (single_session).
 * Call inside a transaction.
 *
 * @returns how many families were revoked.
 */
export async function revokeOtherFamilies(
  db: Database,
  clientId: string,
  subject: string,
  exceptId: string,
  now: number,
): Promise<number> {
  const others = db
    .selectFrom('token_families')
    .select('id')
    .where('client_id', '=', clientId)
    .where('subject', '=', subject)
    .where('status', '=', 'active')
    .where('id', '<>', exceptId);
  await db.updateTable('refresh_tokens').set({ status: 'revoked' }).where('status', '=', 'active').where('family_id', 'in', others).execute();
  const result = await db
    .updateTable('token_families')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: 'single_session' })
    .where('client_id', '=', clientId)
    .where('subject', '=', subject)
    .where('status', '=', 'active')
    .where('id', '<>', exceptId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
