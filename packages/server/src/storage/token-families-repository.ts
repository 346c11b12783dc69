/** The `token_families` table: one row per issue, shared by every token refreshed from it. */
import type { QueryCreator, Selectable } from 'kysely';
import { compiledCommand } from './compiled-query.js';
import { inTransaction, isPostgres } from './database.js';
import type { Database, FamilyStatus, Tables, TokenFamiliesTable } from './schema.js';

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

/** The INSERT of a new, active family (a statement to build on; `claims` as JSON text). */
export const insertFamilyStatement = (
  db: QueryCreator<Tables>,
  id: string,
  clientId: string,
  subject: string,
  scope: string,
  audience: string,
  claims: string,
  createdAt: number,
) =>
  db.insertInto('token_families').values({
    id,
    client_id: clientId,
    subject,
    scope,
    audience,
    claims,
    status: 'active',
    created_at: createdAt,
    revoked_at: null,
    revoked_reason: null,
  });

// The writes below run on every issue, refresh and revocation: compiled once (see compiled-query.ts).
const insertFamilyRow = compiledCommand(insertFamilyStatement);

/** What a new family is made of; it starts active. */
export type NewFamily = Omit<FamilyRecord, 'status' | 'revokedAt' | 'revokedReason'>;

export async function insertFamily(db: Database, family: NewFamily): Promise<void> {
  await insertFamilyRow(db, family.id, family.clientId, family.subject, family.scope, family.audience, JSON.stringify(family.claims), family.createdAt);
}

export async function findFamily(db: Database, id: string): Promise<FamilyRecord | undefined> {
  const row = await db.selectFrom('token_families').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toFamilyRecord(row);
}

const revokeTokensOfFamily = (db: QueryCreator<Tables>, familyId: string) =>
  db.updateTable('refresh_tokens').set({ status: 'revoked' }).where('family_id', '=', familyId).where('status', '=', 'active');
const revokeFamilyRow = (db: QueryCreator<Tables>, id: string, reason: RevocationReason, now: number) =>
  db
    .updateTable('token_families')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: reason })
    .where('id', '=', id)
    .where('status', '=', 'active');

const revokeTokensOfFamilyCompiled = compiledCommand(revokeTokensOfFamily);
const revokeFamilyRowCompiled = compiledCommand(revokeFamilyRow);
/** Both updates in one statement (PostgreSQL): one round trip where a transaction of two takes four. */
const revokeFamilyAndTokens = compiledCommand((db, id: string, reason: RevocationReason, now: number) =>
  db
    .with('tokens', (q) => revokeTokensOfFamily(q, id))
    .updateTable('token_families')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: reason })
    .where('id', '=', id)
    .where('status', '=', 'active'),
);

/**
 * Revoke one family: the family row and every refresh token still active in it. Its access
 * tokens die with it, since their check joins the family status. All or nothing, by itself:
 * one statement on PostgreSQL; on SQLite two, in the caller's transaction or one of its own.
 * (Outside a transaction, the statement commits even if this process dies after sending
 * it: for a revocation, what was asked for.)
 *
 * @returns `true` when the family was active until now.
 */
export async function revokeFamily(db: Database, id: string, reason: RevocationReason, now: number): Promise<boolean> {
  if (isPostgres(db)) return (await revokeFamilyAndTokens(db, id, reason, now)) > 0;
  return inTransaction(db, async (trx) => {
    await revokeTokensOfFamilyCompiled(trx, id);
    return (await revokeFamilyRowCompiled(trx, id, reason, now)) > 0;
  });
}

/** The active families of `clientId` for `subject` but `exceptId`. */
const otherFamilies = (db: QueryCreator<Tables>, clientId: string, subject: string, exceptId: string) =>
  db
    .selectFrom('token_families')
    .select('id')
    .where('client_id', '=', clientId)
    .where('subject', '=', subject)
    .where('status', '=', 'active')
    .where('id', '<>', exceptId);
const revokeTokensOfOthers = (db: QueryCreator<Tables>, clientId: string, subject: string, exceptId: string) =>
  db
    .updateTable('refresh_tokens')
    .set({ status: 'revoked' })
    .where('status', '=', 'active')
    .where('family_id', 'in', otherFamilies(db, clientId, subject, exceptId));
const revokeOtherFamilyRows = (db: QueryCreator<Tables>, clientId: string, subject: string, exceptId: string, now: number) =>
  db
    .updateTable('token_families')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: 'single_session' })
    .where('client_id', '=', clientId)
    .where('subject', '=', subject)
    .where('status', '=', 'active')
    .where('id', '<>', exceptId);

const revokeTokensOfOthersCompiled = compiledCommand(revokeTokensOfOthers);
const revokeOtherFamilyRowsCompiled = compiledCommand(revokeOtherFamilyRows);
/** Both updates in one statement (PostgreSQL); they see the same snapshot, so the same families. */
const revokeOtherFamiliesAndTokens = compiledCommand((db, clientId: string, subject: string, exceptId: string, now: number) =>
  db
    .with('tokens', (q) => revokeTokensOfOthers(q, clientId, subject, exceptId))
    .updateTable('token_families')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: 'single_session' })
    .where('client_id', '=', clientId)
    .where('subject', '=', subject)
    .where('status', '=', 'active')
    .where('id', '<>', exceptId),
);

/**
 * Revoke every active family of `clientId` for `subject` but `exceptId` (single_session),
 * with their refresh tokens. All or nothing, like {@link revokeFamily}.
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
  if (isPostgres(db)) return revokeOtherFamiliesAndTokens(db, clientId, subject, exceptId, now);
  return inTransaction(db, async (trx) => {
    await revokeTokensOfOthersCompiled(trx, clientId, subject, exceptId);
    return revokeOtherFamilyRowsCompiled(trx, clientId, subject, exceptId, now);
  });
}
