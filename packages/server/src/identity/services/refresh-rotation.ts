/**
 * Refresh with rotation (docs/protocol.md section 8, `POST /api/v1/token`; RFC 9700 section
 * 4.14.2; lifecycle in docs/tokens.md). A refresh token is spent by exchanging it: the client
 * gets a new access token and a new refresh token in the same family. Presenting a spent
 * token again is reuse — a sign the token leaked — and revokes the whole family.
 *
 * Spending is one conditional `UPDATE ... WHERE status = 'active'`, in the transaction that
 * also stores the new refresh token (in one statement with it on PostgreSQL), so of two
 * concurrent exchanges of one token exactly one wins.
 *
 * Two refinements keep a client that did nothing wrong from losing its family:
 * - A deadline (the sidecar's `x-idsvc-deadline`): an exchange that would commit after the
 *   caller stopped waiting rolls back, so the token stays active and a retry works.
 * - A grace window (REFRESH_GRACE_SECONDS, or the client's `refresh_grace_seconds`): the
 *   successor is derived from the parent (see RefreshSuccessors), so when the same client
 *   presents a just-spent token again within the window and its successor is still unused,
 *   it gets that same successor and a new access token instead of a revoked family. With a
 *   window of 0, the default, every second presentation is reuse, as before.
 */
import { OAuthError, InvalidGrantError } from '../../lib/oauth-error.js';
import type { Clock } from '../../lib/clock.js';
import { findClient } from '../../storage/clients-repository.js';
import { exchangeRefreshToken, findRefreshToken, type RefreshTokenRecord } from '../../storage/refresh-tokens-repository.js';
import type { Database } from '../../storage/schema.js';
import { revokeFamily, type FamilyRecord } from '../../storage/token-families-repository.js';
import type { RefreshSuccessors } from './refresh-successor.js';
import { refreshTokenHash, type TokenGrant, type TokenIssuer, type TokenResponse } from './token-issuer.js';

/** Options of {@link RefreshRotation}. */
export interface RefreshRotationOptions {
  db: Database;
  issuer: TokenIssuer;
  clock: Clock;
  successors: RefreshSuccessors;
  /** REFRESH_GRACE_SECONDS: the window of a client without its own. */
  defaultGraceSec: number;
  /** Told when reuse revokes a family (for the log). */
  onReuse?: (familyId: string, clientId: string) => void;
  /** Told when a presentation within the grace window was given the existing successor. */
  onGraceReplay?: (familyId: string, clientId: string) => void;
  /** Told when an exchange was abandoned because the caller's deadline had passed. */
  onDeadlineRollback?: (familyId: string, clientId: string) => void;
}

/** What {@link RefreshRotation.rotate} may be told about the request. */
export interface RotateOptions {
  /** Unix ms after which nobody waits for the answer: nothing is committed after it. */
  deadline?: number | undefined;
}

/** 503 `temporarily_unavailable`: the caller's deadline passed, nothing changed; retry. */
export class DeadlinePassedError extends OAuthError {
  constructor(detail: string) {
    super('temporarily_unavailable', { detail });
    this.name = 'DeadlinePassedError';
  }
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
   *   revoked or spent (outside a grace replay); a spent token also revokes its family
   *   before the error is thrown. DeadlinePassedError (503) when `deadline` passed first.
   */
  async rotate(clientId: string, refreshToken: string, options: RotateOptions = {}): Promise<TokenResponse> {
    const { db, issuer, clock } = this.opts;
    const hash = refreshTokenHash(refreshToken);
    const now = clock.now();
    const found = await findRefreshToken(db, hash);
    if (found === undefined) throw new InvalidGrantError('unknown refresh token');
    const family = found.family;
    if (family.clientId !== clientId) {
      // A spent token in the hands of another client has leaked: reuse. An active one is
      // refused without touching it (RFC 6749 section 10.4), so its owner keeps it.
      if (found.status === 'spent' && family.status === 'active') {
        await this.revokeForReuse(family.id, clientId, now);
        throw new InvalidGrantError(`spent refresh token of ${family.clientId} presented by ${clientId}: family ${family.id} revoked`);
      }
      throw new InvalidGrantError(`refresh token of ${family.clientId} presented by ${clientId}`);
    }
    if (family.status !== 'active') throw new InvalidGrantError(`family ${family.id} is revoked`);
    if (found.status === 'spent') return this.replayOrRevoke(found, refreshToken, clientId, now, 'spent refresh token reused');
    if (found.status !== 'active') throw new InvalidGrantError(`refresh token is ${found.status}`);
    if (found.expiresAt <= now) throw new InvalidGrantError('refresh token expired');
    this.checkDeadline(options.deadline, family.id, clientId);

    // Sign outside the transaction, so the write lock is held only for the writes.
    const access = await issuer.mintAccessToken(grantOf(family), now);
    const next = issuer.refreshTokenOf(this.opts.successors.successorOf(refreshToken), now);

    const exchanged = await exchangeRefreshToken(db, hash, { tokenHash: next.hash, familyId: family.id, createdAt: now, expiresAt: next.expiresAt }, now, () =>
      // Just before COMMIT: past the deadline the caller has been told 502; it must keep
      // this token, so the exchange rolls back.
      this.checkDeadline(options.deadline, family.id, clientId),
    );
    if (!exchanged) {
      // Someone changed it since we read it: spent by a concurrent exchange, or revoked or
      // expired. A spent token stays spent, so no transaction is needed to act on it.
      const current = await findRefreshToken(db, hash);
      if (current?.status !== 'spent') throw new InvalidGrantError('refresh token revoked or expired meanwhile');
      return this.replayOrRevoke(current, refreshToken, clientId, now, 'concurrent reuse of a refresh token');
    }
    return issuer.response(access, family.scope, next);
  }

  /** The id of the family `refreshToken` belongs to, or undefined for a token this server does not know. */
  async familyOf(refreshToken: string): Promise<string | undefined> {
    return (await findRefreshToken(this.opts.db, refreshTokenHash(refreshToken)))?.family.id;
  }

  /**
   * A spent token presented again by its own client: within the grace window, while its
   * successor is unused and the family alive, the same successor and a new access token;
   * otherwise reuse, and the family is revoked.
   */
  private async replayOrRevoke(spent: RefreshTokenRecord, token: string, clientId: string, now: number, what: string): Promise<TokenResponse> {
    const { db, issuer } = this.opts;
    const family = spent.family;
    const graceMs = (await this.graceSecOf(clientId)) * 1000;
    if (graceMs > 0 && spent.spentAt !== null && now - spent.spentAt <= graceMs) {
      const successor = issuer.refreshTokenOf(this.opts.successors.successorOf(token), now);
      const child = await findRefreshToken(db, successor.hash);
      // Only the immediate parent of an unused successor: a token two rotations back derives
      // a spent child, and lands in the revocation below.
      if (child !== undefined && child.status === 'active' && child.family.id === family.id && child.family.status === 'active' && child.expiresAt > now) {
        const access = await issuer.mintAccessToken(grantOf(child.family), now);
        this.opts.onGraceReplay?.(family.id, clientId);
        return issuer.response(access, child.family.scope, { ...successor, expiresAt: child.expiresAt });
      }
    }
    await this.revokeForReuse(family.id, clientId, now);
    throw new InvalidGrantError(`${what}: family ${family.id} revoked`);
  }

  /** The grace window of `clientId` in seconds: its own, else the server's. */
  private async graceSecOf(clientId: string): Promise<number> {
    const client = await findClient(this.opts.db, clientId);
    return client?.refreshGraceSec ?? this.opts.defaultGraceSec;
  }

  private checkDeadline(deadline: number | undefined, familyId: string, clientId: string): void {
    if (deadline === undefined) return;
    const now = this.opts.clock.now();
    if (now < deadline) return;
    this.opts.onDeadlineRollback?.(familyId, clientId);
    throw new DeadlinePassedError(`deadline passed ${now - deadline} ms ago: refresh of family ${familyId} rolled back`);
  }

  private async revokeForReuse(familyId: string, clientId: string, now: number): Promise<void> {
    await revokeFamily(this.opts.db, familyId, 'refresh_token_reuse', now);
    this.opts.onReuse?.(familyId, clientId);
  }
}

function grantOf(family: FamilyRecord): TokenGrant {
  return { familyId: family.id, clientId: family.clientId, subject: family.subject, scope: family.scope, audience: family.audience, claims: family.claims };
}
