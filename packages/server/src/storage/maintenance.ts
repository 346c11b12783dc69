/** Housekeeping: rows past any use are deleted, so the tables do not grow without end. */
import { sql } from 'kysely';
import type { Database } from './schema.js';

/** What {@link pruneExpired} deleted. */
export interface PruneResult {
  revokedAccessTokens: number;
  refreshTokens: number;
  families: number;
}

/**
 * Delete refresh tokens and revocation records that expired before `before`, then the
 * families left without any, once their last access token must have expired too
 * (`accessTokenTtlMs` after their creation). A spent refresh token is kept until it
 * expires, because presenting it again must still be detected as reuse.
 */
export async function pruneExpired(db: Database, before: number, accessTokenTtlMs: number): Promise<PruneResult> {
  return db.transaction().execute(async (trx) => {
    const a = await trx.deleteFrom('revoked_access_tokens').where('expires_at', '<', before).executeTakeFirst();
    const r = await trx.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
    const f = await trx
      .deleteFrom('token_families')
      .where('created_at', '<', before - accessTokenTtlMs)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('refresh_tokens').select(sql.lit(1).as('one')).whereRef('refresh_tokens.family_id', '=', 'token_families.id'))),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('revoked_access_tokens').select(sql.lit(1).as('one')).whereRef('revoked_access_tokens.family_id', '=', 'token_families.id'),
          ),
        ),
      )
      .executeTakeFirst();
    return {
      revokedAccessTokens: Number(a.numDeletedRows),
      refreshTokens: Number(r.numDeletedRows),
      families: Number(f.numDeletedRows),
    };
  });
}
