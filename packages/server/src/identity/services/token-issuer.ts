/**
 * Token issue (docs/protocol.md section 8, `POST /api/v1/token/issue`): audience and scope
 * checks, custom claims, a new token family, an RFC 9068 access token and, on request, an
 * opaque refresh token. Also mints the tokens of a refresh, so both paths sign alike.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../../lib/oauth-error.js';
import { randomToken, timeOrderedId } from '../../lib/random-token.js';
import type { ClientRecord } from '../../storage/clients-repository.js';
import { insertFamilyWithRefreshToken } from '../../storage/refresh-tokens-repository.js';
import type { Database } from '../../storage/schema.js';
import { insertFamily, revokeOtherFamilies } from '../../storage/token-families-repository.js';
import type { SigningKeyService } from './signing-keys.js';

/**
 * The members of an RFC 7662 introspection answer (section 2.2). A custom claim may never
 * set or shadow them: introspection copies the custom claims into its answer, and a claim
 * `active: false` would make a valid token look dead.
 */
export const INTROSPECTION_MEMBERS: ReadonlySet<string> = new Set([
  'active', 'scope', 'client_id', 'username', 'token_type', 'exp', 'iat', 'nbf', 'sub', 'aud', 'iss', 'jti',
]);

/**
 * Claim names a client may not set through `custom_claims`: the introspection members, the
 * registered JWT claims and those with a meaning in OAuth or OpenID Connect
 * (docs/protocol.md section 8).
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  ...INTROSPECTION_MEMBERS,
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'cnf', 'act', 'may_act',
  'azp', 'typ', 'token_type', 'auth_time', 'acr', 'amr', 'sid', 'nonce',
]);

/** A validated token issue request. */
export interface IssueRequest {
  audience: string;
  /** Space-separated; all of the client's scopes when absent. */
  scope?: string | undefined;
  subject: string;
  includeRefreshToken?: boolean | undefined;
  singleSession?: boolean | undefined;
  customClaims?: Record<string, unknown> | undefined;
}

/** RFC 6749 section 5.1 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** What an access token is made from: its family. */
export interface TokenGrant {
  familyId: string;
  clientId: string;
  subject: string;
  scope: string;
  audience: string;
  claims: Record<string, unknown>;
}

/** A signed access token and its record. */
export interface MintedAccessToken {
  token: string;
  jti: string;
  expiresAt: number;
}

/** A new refresh token: the token for the client, the hash for the database. */
export interface MintedRefreshToken {
  token: string;
  hash: string;
  expiresAt: number;
}

/** Options of {@link TokenIssuer}. */
export interface TokenIssuerOptions {
  db: Database;
  signingKeys: SigningKeyService;
  clock: Clock;
  issuer: string;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  customClaimsMaxBytes: number;
}

/**
 * A new access token id: its family id, a dot, 96 random bits. Access tokens are not
 * stored; the family id inside the (signed) `jti` is what finds their revocation state.
 */
export function newJti(familyId: string): string {
  return `${familyId}.${randomToken(12)}`;
}

/** The family id inside a `jti` made by {@link newJti}, or `undefined` for any other shape. */
export function familyIdOfJti(jti: string): string | undefined {
  const dot = jti.indexOf('.');
  return dot > 0 ? jti.slice(0, dot) : undefined;
}

/** SHA-256 hex of a refresh token: the only form in which it is stored. */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * @example
 * ```ts
 * const { response } = await issuer.issue(client, { audience: 'orders-api', subject: 'test-user', includeRefreshToken: true });
 * ```
 */
export class TokenIssuer {
  private readonly opts: TokenIssuerOptions;

  constructor(options: TokenIssuerOptions) {
    this.opts = options;
  }

  /**
   * Issue tokens to an authenticated client, starting a new token family.
   * @throws InvalidTargetError, InvalidScopeError, InvalidRequestError (all 400)
   */
  async issue(client: ClientRecord, request: IssueRequest): Promise<{ response: TokenResponse; familyId: string; revokedFamilies: number }> {
    if (!client.audiences.includes(request.audience)) {
      throw new InvalidTargetError(`audience ${request.audience} not allowed for ${client.id}`);
    }
    const scope = grantedScope(request.scope, client.scopes);
    const claims = this.checkCustomClaims(request.customClaims ?? {});
    const now = this.opts.clock.now();
    // Time-ordered (see timeOrderedId), and never contains the dot that ends it inside a jti.
    const grant: TokenGrant = { familyId: timeOrderedId(now), clientId: client.id, subject: request.subject, scope, audience: request.audience, claims };
    const access = await this.mintAccessToken(grant, now);
    const refresh = request.includeRefreshToken === true ? this.mintRefreshToken(now) : undefined;

    const family = { id: grant.familyId, clientId: client.id, subject: grant.subject, scope, audience: grant.audience, claims, createdAt: now };
    const firstToken = refresh === undefined ? undefined : { tokenHash: refresh.hash, createdAt: now, expiresAt: refresh.expiresAt };
    const store = (db: Database): Promise<void> => (firstToken === undefined ? insertFamily(db, family) : insertFamilyWithRefreshToken(db, family, firstToken));
    let revokedFamilies = 0;
    if (request.singleSession === true) {
      // The new family and the revocation of the subject's others: all or nothing.
      revokedFamilies = await this.opts.db.transaction().execute(async (trx) => {
        await store(trx);
        return revokeOtherFamilies(trx, client.id, grant.subject, grant.familyId, now);
      });
    } else {
      await store(this.opts.db);
    }
    return { response: this.response(access, scope, refresh), familyId: grant.familyId, revokedFamilies };
  }

  /** Sign an access token of `grant`'s family, valid from `now` for the access-token lifetime. */
  async mintAccessToken(grant: TokenGrant, now: number): Promise<MintedAccessToken> {
    const { kid, privateKey } = await this.opts.signingKeys.signingKey();
    const iat = Math.floor(now / 1000);
    const exp = iat + this.opts.accessTokenTtlSec;
    const jti = newJti(grant.familyId);
    const token = await signEs256Jwt(
      { alg: 'ES256', typ: 'at+jwt', kid },
      { ...grant.claims, client_id: grant.clientId, scope: grant.scope, iss: this.opts.issuer, sub: grant.subject, aud: grant.audience, iat, exp, jti },
      privateKey,
    );
    return { token, jti, expiresAt: exp * 1000 };
  }

  /** A fresh refresh token: 256 random bits. */
  mintRefreshToken(now: number): MintedRefreshToken {
    return this.refreshTokenOf(randomToken(32), now);
  }

  /** `token` as a refresh token created at `now` (a rotation's derived successor). */
  refreshTokenOf(token: string, now: number): MintedRefreshToken {
    return { token, hash: refreshTokenHash(token), expiresAt: now + this.opts.refreshTokenTtlSec * 1000 };
  }

  /** The token response of RFC 6749 section 5.1. */
  response(access: MintedAccessToken, scope: string, refresh: MintedRefreshToken | undefined): TokenResponse {
    const body: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: this.opts.accessTokenTtlSec, scope };
    if (refresh !== undefined) body.refresh_token = refresh.token;
    return body;
  }

  private checkCustomClaims(claims: Record<string, unknown>): Record<string, unknown> {
    for (const name of Object.keys(claims)) {
      if (RESERVED_CLAIMS.has(name)) throw new InvalidRequestError(`custom_claims may not set the reserved claim "${name}".`);
    }
    const size = Buffer.byteLength(JSON.stringify(claims), 'utf8');
    if (size > this.opts.customClaimsMaxBytes) {
      throw new InvalidRequestError(`custom_claims exceed ${this.opts.customClaimsMaxBytes} bytes.`, `custom_claims: ${size} bytes`);
    }
    return claims;
  }
}

/**
 * A compact JWS (RFC 7515) signed with ES256 by node:crypto on libuv's thread pool. jose's
 * SignJWT signs through WebCrypto, which on Node 20 costs about four times a direct
 * `crypto.sign` and was the largest single cost of a token issue (`npm run bench --
 * --cpu-prof`). The signature is the one piece of an issue that needs no state, so it runs
 * beside the event loop: in alternating rounds of one run, plaintext issues reached 1.07 to
 * 1.25 times the rate of the synchronous form for the same CPU time per token (within 10 %).
 * The tokens are checked by jose's `jwtVerify` like any other.
 */
function signEs256Jwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): Promise<string> {
  const input = Buffer.from(`${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`);
  return new Promise((resolve, reject) => {
    // ieee-p1363: the 64-byte r || s that JWS wants, not DER.
    sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, (err, signature) => {
      if (err !== null) reject(err);
      else resolve(`${input.toString('latin1')}.${signature.toString('base64url')}`);
    });
  });
}

/** The scope to grant: the requested scopes (deduplicated, in order), each allowed to the client. */
function grantedScope(requested: string | undefined, allowed: readonly string[]): string {
  if (requested === undefined) return allowed.join(' ');
  const scopes = [...new Set(requested.split(' ').filter((s) => s !== ''))];
  if (scopes.length === 0) throw new InvalidScopeError('empty scope');
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) throw new InvalidScopeError(`scopes not allowed: ${refused.join(' ')}`);
  return scopes.join(' ');
}
