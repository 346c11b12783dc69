/**
 * Refresh with rotation (docs/protocol.md section 8, `POST /api/v1/token`; RFC 9700 section
 * 4.14.2). A refresh token is spent by exchanging it: the client gets a new access token
 * and a new refresh token in the same family. Presenting a spent token again is reuse — a
 * sign the token leaked — and revokes the whole family.
 *
 * Spending is one conditional `UPDATE ... WHERE status = 'active'`, in the transaction that
 * also stores the new refresh token (in one statement with it on PostgreSQL), so of two
 * concurrent exchanges of one token exactly one wins; the loser finds the token spent and is
 * treated as reuse.
 */
import { InvalidGrantError } from '../../lib/oauth-error.js';
import type { Clock } from '../../lib/clock.js';
import { exchangeRefreshToken, findRefreshToken } from '../../storage/refresh-tokens-repository.js';
import type { Database } from '../../storage/schema.js';
import { revokeFamily } from '../../storage/token-families-repository.js';
import { refreshTokenHash, type TokenIssuer, type TokenResponse } from './token-issuer.js';

/** Options of {@link RefreshRotation}. */
export interface RefreshRotationOptions {
  db: Database;
  issuer: TokenIssuer;
  clock: Clock;
  /** Told when reuse revokes a family (for the log). */
  onReuse?: (familyId: string, clientId: string) => void;
}

/**
 * @example
 * ```ts
 * const tokens = await rotation.rotate('dev-client', refreshToken); // throws InvalidGrantError
 * ```
 */
export class RefreshRotation {
  private readonly opts: RefreshRotationOptions;

  constructor(options: RefreshRotationOptions) {
    this.opts = options;
  }

  /**
   * Exchange `refreshToken` of `clientId` for new tokens.
   * @throws InvalidGrantError (400) when the token is unknown, of another client, expired,
   *   revoked or spent; a spent token also revokes its family before the error is thrown.
   */
  async rotate(clientId: string, refreshToken: string): Promise<TokenResponse> {
    const { db, issuer, clock } = this.opts;
    const hash = refreshTokenHash(refreshToken);
    const now = clock.now();
    const found = await findRefreshToken(db, hash);
    if (found === undefined) throw new InvalidGrantError('unknown refresh token');
    const family = found.family;
    // Another client's token is refused without touching it (RFC 6749 section 10.4).
    if (family.clientId !== clientId) throw new InvalidGrantError(`refresh token of ${family.clientId} presented by ${clientId}`);
    if (family.status !== 'active') throw new InvalidGrantError(`family ${family.id} is revoked`);
    if (found.status === 'spent') {
      await this.revokeForReuse(family.id, clientId, now);
      throw new InvalidGrantError(`spent refresh token reused: family ${family.id} revoked`);
    }
    if (found.status !== 'active') throw new InvalidGrantError(`refresh token is ${found.status}`);
    if (found.expiresAt <= now) throw new InvalidGrantError('refresh token expired');

    // Sign outside the transaction, so the write lock is held only for the writes.
    const grant = { familyId: family.id, clientId, subject: family.subject, scope: family.scope, audience: family.audience, claims: family.claims };
    const access = await issuer.mintAccessToken(grant, now);
    const next = issuer.mintRefreshToken(now);

    const exchanged = await exchangeRefreshToken(db, hash, { tokenHash: next.hash, familyId: family.id, createdAt: now, expiresAt: next.expiresAt }, now);
    if (!exchanged) {
      // Someone changed it since we read it: spent by a concurrent exchange (reuse), or
      // revoked or expired. A spent token stays spent, so no transaction is needed to act on it.
      const current = await findRefreshToken(db, hash);
      if (current?.status !== 'spent') throw new InvalidGrantError('refresh token revoked or expired meanwhile');
      await this.revokeForReuse(family.id, clientId, now);
      throw new InvalidGrantError(`concurrent reuse of a refresh token: family ${family.id} revoked`);
    }
    return issuer.response(access, family.scope, next);
  }

  /** The id of the family `refreshToken` belongs to, or undefined for a token this server does not know. */
  async familyOf(refreshToken: string): Promise<string | undefined> {
    return (await findRefreshToken(this.opts.db, refreshTokenHash(refreshToken)))?.family.id;
  }

  private async revokeForReuse(familyId: string, clientId: string, now: number): Promise<void> {
    await revokeFamily(this.opts.db, familyId, 'refresh_token_reuse', now);
    this.opts.onReuse?.(familyId, clientId);
  }
}
