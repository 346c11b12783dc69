/**
 * Token revocation (RFC 7009; docs/protocol.md section 8, `POST /api/v1/revoke`). Revoking a
 * refresh token revokes its whole family, access tokens included; revoking an access token
 * revokes that token. Tokens that are unknown, malformed or another client's are ignored
 * without a word: the answer is the same either way (RFC 7009 section 2.2).
 */
import type { Clock } from '../../lib/clock.js';
import { OAuthError } from '../../lib/oauth-error.js';
import { revokeAccessToken } from '../../storage/access-tokens-repository.js';
import { findRefreshToken } from '../../storage/refresh-tokens-repository.js';
import type { Database } from '../../storage/schema.js';
import { revokeFamily } from '../../storage/token-families-repository.js';
import { AccessTokenVerifier, type AccessTokenClaims } from './access-tokens.js';
import { familyIdOfJti, refreshTokenHash } from './token-issuer.js';

/** RFC 7009 token type hints. */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/** Options of {@link RevocationService}. */
export interface RevocationServiceOptions {
  db: Database;
  verifier: AccessTokenVerifier;
  clock: Clock;
}

/** What a revocation did, for the log (never for the answer). */
export type RevocationOutcome = 'family_revoked' | 'access_token_revoked' | 'ignored';

/**
 * @example
 * ```ts
 * await revocation.revoke('dev-client', refreshToken, 'refresh_token');
 * ```
 */
export class RevocationService {
  private readonly opts: RevocationServiceOptions;

  constructor(options: RevocationServiceOptions) {
    this.opts = options;
  }

  /**
   * Revoke `token` if it is one of `clientId`'s. The hint says where to look first; the
   * other kind is tried next (RFC 7009 section 2.1).
   */
  async revoke(clientId: string, token: string, hint?: string): Promise<RevocationOutcome> {
    const accessFirst = hint === 'access_token' || (hint !== 'refresh_token' && AccessTokenVerifier.looksLikeJwt(token));
    const order = accessFirst ? [this.revokeAccess, this.revokeRefresh] : [this.revokeRefresh, this.revokeAccess];
    for (const attempt of order) {
      const outcome = await attempt.call(this, clientId, token);
      if (outcome !== 'ignored') return outcome;
    }
    return 'ignored';
  }

  private async revokeRefresh(clientId: string, token: string): Promise<RevocationOutcome> {
    const found = await findRefreshToken(this.opts.db, refreshTokenHash(token));
    if (found === undefined || found.family.clientId !== clientId) return 'ignored';
    const now = this.opts.clock.now();
    // All or nothing by itself: one statement on PostgreSQL, a transaction on SQLite.
    const revoked = await revokeFamily(this.opts.db, found.family.id, 'revoked_by_client', now);
    return revoked ? 'family_revoked' : 'ignored';
  }

  private async revokeAccess(clientId: string, token: string): Promise<RevocationOutcome> {
    if (!AccessTokenVerifier.looksLikeJwt(token)) return 'ignored';
    let claims: AccessTokenClaims;
    try {
      // Expired tokens may be revoked too; only a valid signature of this client counts.
      claims = await this.opts.verifier.verify(token, { allowExpired: true });
    } catch (err) {
      if (err instanceof OAuthError) return 'ignored';
      throw err;
    }
    const familyId = familyIdOfJti(claims.jti);
    if (claims.client_id !== clientId || familyId === undefined) return 'ignored';
    const revoked = await revokeAccessToken(this.opts.db, { jti: claims.jti, familyId, expiresAt: claims.exp * 1000 }, this.opts.clock.now());
    return revoked ? 'access_token_revoked' : 'ignored';
  }
}
