/** The `refresh_tokens` table: SHA-256 hashes of opaque refresh tokens, never the tokens. */
import { compiledQuery } from './compiled-query.js';
import type { Database, RefreshTokenStatus } from './schema.js';
import { toFamilyRecord, type FamilyRecord } from './token-families-repository.js';

/** A refresh token with the family it belongs to. */
export interface RefreshTokenRecord {
  tokenHash: string;
  status: RefreshTokenStatus;
  createdAt: number;
  expiresAt: number;
  family: FamilyRecord;
}

export async function insertRefreshToken(
  db: Database,
  token: { tokenHash: string; familyId: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: token.tokenHash,
      family_id: token.familyId,
      status: 'active',
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      spent_at: null,
    })
    .execute();
}

/** The token with this hash and its family, or `undefined`. */
// Read on every refresh and refresh-token introspection: compiled once (see compiled-query.ts).
const refreshTokenByHash = compiledQuery((db, tokenHash: string) =>
  db
    .selectFrom('refresh_tokens as r')
    .innerJoin('token_families as f', 'f.id', 'r.family_id')
    .select([
      'r.token_hash',
      'r.status as token_status',
      'r.created_at as token_created_at',
      'r.expires_at',
      'f.id',
      'f.client_id',
      'f.subject',
      'f.scope',
      'f.audience',
      'f.claims',
      'f.status',
      'f.created_at',
      'f.revoked_at',
      'f.revoked_reason',
    ])
    .where('r.token_hash', '=', tokenHash),
);

export async function findRefreshToken(db: Database, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const [row] = await refreshTokenByHash(db, tokenHash);
  if (row === undefined) return undefined;
  return {
    tokenHash: row.token_hash,
    status: row.token_status,
    createdAt: Number(row.token_created_at),
    expiresAt: Number(row.expires_at),
    family: toFamilyRecord(row),
  };
}

/**
 * Spend an active, unexpired refresh token: one conditional UPDATE, so of two concurrent
 * callers exactly one sees `true` (PostgreSQL makes the second wait for the first's commit
 * and re-check the condition; SQLite serialises writers).
 */
export async function spendRefreshToken(db: Database, tokenHash: string, now: number): Promise<boolean> {
  const row = await db
    .updateTable('refresh_tokens')
    .set({ status: 'spent', spent_at: now })
    .where('token_hash', '=', tokenHash)
    .where('status', '=', 'active')
    .where('expires_at', '>', now)
    .returning('token_hash')
    .executeTakeFirst();
  return row !== undefined;
}
