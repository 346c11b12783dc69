/**
 * Access-token revocation state. Access tokens themselves are not stored: a token's `jti`
 * begins with its family id, and only tokens revoked one by one get a row here.
 */
import { compiledCommand, compiledQuery } from './compiled-query.js';
import type { ClientStatus, Database, FamilyStatus } from './schema.js';

/** What decides whether a validly signed access token is still good. */
export interface AccessTokenState {
  /** This very token was revoked. */
  revoked: boolean;
  familyStatus: FamilyStatus;
  clientStatus: ClientStatus;
}

/**
 * One indexed lookup: the family's status, its client's status, and whether this token was
 * revoked on its own. `undefined` when the family is unknown (never issued here, or pruned).
 */
// Run for every bearer and every introspected token: compiled once (see compiled-query.ts).
const stateOf = compiledQuery((db, familyId: string, jti: string) =>
  db
    .selectFrom('token_families as f')
    .innerJoin('clients as c', 'c.id', 'f.client_id')
    .leftJoin('revoked_access_tokens as r', (join) => join.on('r.jti', '=', jti))
    .select(['f.status as family_status', 'c.status as client_status', 'r.jti as revoked_jti'])
    .where('f.id', '=', familyId),
);

export async function accessTokenState(db: Database, familyId: string, jti: string): Promise<AccessTokenState | undefined> {
  const [row] = await stateOf(db, familyId, jti);
  if (row === undefined) return undefined;
  return { revoked: row.revoked_jti !== null, familyStatus: row.family_status, clientStatus: row.client_status };
}

// Run for every access token revoked on its own: compiled once (see compiled-query.ts).
const insertRevoked = compiledCommand((db, jti: string, familyId: string, expiresAt: number, now: number) =>
  db
    .insertInto('revoked_access_tokens')
    .values({ jti, family_id: familyId, expires_at: expiresAt, revoked_at: now })
    .onConflict((oc) => oc.column('jti').doNothing()),
);

/** Revoke one access token. @returns `true` when it was not revoked before. */
export async function revokeAccessToken(db: Database, token: { jti: string; familyId: string; expiresAt: number }, now: number): Promise<boolean> {
  return (await insertRevoked(db, token.jti, token.familyId, token.expiresAt, now)) > 0;
}
