/**
 * Token introspection (RFC 7662; docs/protocol.md section 8, `POST /api/v1/introspect`).
 * A token is `active` only when it is valid, unexpired, unrevoked and was issued to the
 * calling client; for anything else the answer is exactly `{"active": false}`, so a caller
 * learns nothing about tokens that are not its own.
 */
import type { Clock } from '../../lib/clock.js';
import { OAuthError } from '../../lib/oauth-error.js';
import { findRefreshToken } from '../../storage/refresh-tokens-repository.js';
import type { Database } from '../../storage/schema.js';
import { AccessTokenVerifier, type AccessTokenClaims } from './access-tokens.js';
import { INTROSPECTION_MEMBERS, refreshTokenHash } from './token-issuer.js';

/** An RFC 7662 introspection response. */
export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false as const });

/** Options of {@link IntrospectionService}. */
export interface IntrospectionServiceOptions {
  db: Database;
  verifier: AccessTokenVerifier;
  clock: Clock;
  issuer: string;
}

/**
 * @example
 * ```ts
 * const answer = await introspection.introspect('dev-client', accessToken); // { active: true, sub, ... }
 * ```
 */
export class IntrospectionService {
  private readonly opts: IntrospectionServiceOptions;

  constructor(options: IntrospectionServiceOptions) {
    this.opts = options;
  }

  /**
   * Describe `token` to `clientId`, trying the hinted kind first. `caller` is the bearer
   * that authenticated the request, with its claims, checked active a moment ago: a client
   * introspecting that very token (as the journey does) is answered from them rather than
   * by checking the same token twice in one request.
   */
  async introspect(clientId: string, token: string, hint?: string, caller?: { token: string; claims: AccessTokenClaims }): Promise<IntrospectionResponse> {
    // The caller's own token was verified as a JWT already: no need to match its shape again.
    const accessFirst = hint !== 'refresh_token' && (caller?.token === token || AccessTokenVerifier.looksLikeJwt(token));
    if (accessFirst) {
      // The caller's own token is described without another asynchronous step (and the
      // promise it would allocate): this is the hot path of plaintext introspection.
      const answer = caller?.token === token ? this.describe(clientId, caller.claims) : await this.access(clientId, token, caller);
      return answer.active || hint !== 'refresh_token' ? answer : this.refresh(clientId, token);
    }
    const answer = await this.refresh(clientId, token);
    return answer.active ? answer : this.access(clientId, token, caller);
  }

  private async access(clientId: string, token: string, caller?: { token: string; claims: AccessTokenClaims }): Promise<IntrospectionResponse> {
    if (caller?.token === token) return this.describe(clientId, caller.claims);
    if (!AccessTokenVerifier.looksLikeJwt(token)) return INACTIVE;
    try {
      return this.describe(clientId, await this.opts.verifier.verifyActive(token));
    } catch (err) {
      if (err instanceof OAuthError) return INACTIVE;
      throw err;
    }
  }

  /** The RFC 7662 answer for an active access token's claims, to the client that holds it. */
  private describe(clientId: string, claims: AccessTokenClaims): IntrospectionResponse {
    if (claims.client_id !== clientId) return INACTIVE;
    // Custom claims first, skipping any named like a member: issue refuses those, and this
    // keeps a token signed before that rule from shadowing one (`active`, `username`, ...).
    // Copied key by key rather than through a rest object, one object fewer per call.
    const answer: Record<string, unknown> = {};
    for (const key of Object.keys(claims)) if (!INTROSPECTION_MEMBERS.has(key)) answer[key] = claims[key];
    answer.active = true;
    answer.scope = claims.scope;
    answer.client_id = claims.client_id;
    answer.sub = claims.sub;
    answer.aud = claims.aud;
    answer.iss = claims.iss;
    answer.exp = claims.exp;
    answer.iat = claims.iat;
    answer.jti = claims.jti;
    answer.token_type = 'Bearer';
    return answer as IntrospectionResponse;
  }

  private async refresh(clientId: string, token: string): Promise<IntrospectionResponse> {
    if (token.length > 512) return INACTIVE;
    const found = await findRefreshToken(this.opts.db, refreshTokenHash(token));
    const now = this.opts.clock.now();
    if (found === undefined || found.status !== 'active' || found.expiresAt <= now) return INACTIVE;
    const family = found.family;
    if (family.status !== 'active' || family.clientId !== clientId) return INACTIVE;
    return {
      active: true,
      scope: family.scope,
      client_id: family.clientId,
      sub: family.subject,
      aud: family.audience,
      iss: this.opts.issuer,
      exp: Math.floor(found.expiresAt / 1000),
      iat: Math.floor(found.createdAt / 1000),
      token_type: 'refresh_token',
    };
  }
}
