/**
 * Checking access tokens (RFC 9068 JWTs) presented as bearers or for introspection:
 * the signature against the local key set (no HTTP), the claims, and revocation with one
 * indexed lookup of the token's family (named in its `jti`), its client and its own
 * revocation record.
 */
import type { KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { BoundedCache } from '../../lib/bounded-cache.js';
import type { Clock } from '../../lib/clock.js';
import { InvalidTokenError } from '../../lib/oauth-error.js';
import { accessTokenState } from '../../storage/access-tokens-repository.js';
import type { Database } from '../../storage/schema.js';
import type { SigningKeyService } from './signing-keys.js';
import { familyIdOfJti } from './token-issuer.js';

/** The claims every access token of this server carries, plus its custom claims. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
}

/** Options of {@link AccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  db: Database;
  signingKeys: SigningKeyService;
  clock: Clock;
  issuer: string;
}

/** How to check a token. */
export interface VerifyOptions {
  /** Accept a token past its `exp` (refresh and revoke: the signature must still hold). */
  allowExpired?: boolean;
}

/** A JWT is three base64url parts; anything else is not worth parsing. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;
/**
 * Tokens whose signature was verified, remembered so that a client presenting the same
 * token again (as a bearer on every call, for introspection) does not pay for another
 * ES256 verification, the largest cost of those calls (measured with `npm run bench --
 * --cpu-prof`). Only tokens that passed every check are kept; a different byte is a
 * different entry. The time-based claims, the signing key's validity and revocation are
 * still checked on every use.
 */
const VERIFIED_TOKENS_KEPT = 5000;

/** The default options, shared: a fresh `{}` per call was one more object per bearer check. */
const NO_OPTIONS: VerifyOptions = Object.freeze({});

interface VerifiedToken {
  kid: string;
  claims: Readonly<AccessTokenClaims>;
}

/**
 * @example
 * ```ts
 * const claims = await verifier.verifyActive(token); // throws InvalidTokenError
 * ```
 */
export class AccessTokenVerifier {
  private readonly opts: AccessTokenVerifierOptions;
  private readonly getKey: (header: JWTHeaderParameters) => Promise<KeyObject>;
  private readonly verified = new BoundedCache<string, VerifiedToken>(VERIFIED_TOKENS_KEPT);

  constructor(options: AccessTokenVerifierOptions) {
    this.opts = options;
    this.getKey = async (header) => {
      const key = typeof header.kid === 'string' ? await options.signingKeys.verificationKey(header.kid) : undefined;
      if (key === undefined) throw new InvalidTokenError('unknown or expired kid');
      return key;
    };
  }

  /** `true` when the text has the shape of a JWT (cheap; says nothing about validity). */
  static looksLikeJwt(token: string): boolean {
    return token.length <= MAX_TOKEN_LENGTH && JWT_SHAPE.test(token);
  }

  /**
   * Check signature, header and claims; not revocation.
   * @throws InvalidTokenError
   */
  async verify(token: string, options: VerifyOptions = NO_OPTIONS): Promise<AccessTokenClaims> {
    // The length first: the lookup hashes the whole string. A remembered token had the
    // shape of a JWT, so the pattern is matched only for the others (it was a twentieth of
    // the cost of a bearer check on SQLite, in-process).
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('not a JWT');
    const known = this.verified.get(token);
    if (known !== undefined && (await this.opts.signingKeys.verificationKey(known.kid)) !== undefined) {
      return this.checkTimes(known.claims, options);
    }
    if (!JWT_SHAPE.test(token)) throw new InvalidTokenError('not a JWT');
    let payload: JWTPayload;
    let kid: string | undefined;
    try {
      let protectedHeader: JWTHeaderParameters;
      ({ payload, protectedHeader } = await jwtVerify(token, this.getKey, {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer: this.opts.issuer,
        requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
        currentDate: new Date(this.opts.clock.now()),
      }));
      kid = protectedHeader.kid;
    } catch (err) {
      // jose checks `exp` after the signature and every other claim, so an expired token's
      // payload has passed everything else.
      if (options.allowExpired === true && err instanceof joseErrors.JWTExpired && err.claim === 'exp') {
        payload = err.payload;
      } else if (err instanceof InvalidTokenError) {
        throw err;
      } else {
        throw new InvalidTokenError(err instanceof Error ? `${err.name}: ${err.message}` : 'unverifiable token');
      }
    }
    const claims = assertClaims(payload);
    if (kid !== undefined) this.verified.set(token, { kid, claims: Object.freeze(claims) });
    return claims;
  }

  /** jwtVerify's checks that depend on the time, again, for a token verified earlier. */
  private checkTimes(claims: Readonly<AccessTokenClaims>, options: VerifyOptions): AccessTokenClaims {
    // jose's rules without clock tolerance: expired once exp <= now, not yet valid while nbf > now.
    const now = Math.floor(this.opts.clock.now() / 1000);
    if (typeof claims.nbf === 'number' && claims.nbf > now) throw new InvalidTokenError('JWTClaimValidationFailed: "nbf" claim timestamp check failed');
    if (claims.exp <= now && options.allowExpired !== true) throw new InvalidTokenError('JWTExpired: "exp" claim timestamp check failed');
    return claims;
  }

  /**
   * {@link verify} plus revocation: the token itself, its family and its client must all be live.
   * @throws InvalidTokenError
   */
  async verifyActive(token: string, options: VerifyOptions = NO_OPTIONS): Promise<AccessTokenClaims> {
    const claims = await this.verify(token, options);
    if (!(await this.isLive(claims.jti))) throw new InvalidTokenError(`token ${claims.jti} is revoked`);
    return claims;
  }

  /**
   * The token's family id when that family was revoked while its client is still active:
   * the one way a bearer's death says something about a grant (see the refresh route).
   */
  async revokedFamilyOf(jti: string): Promise<string | undefined> {
    const familyId = familyIdOfJti(jti);
    if (familyId === undefined) return undefined;
    const state = await accessTokenState(this.opts.db, familyId, jti);
    return state !== undefined && state.familyStatus !== 'active' && state.clientStatus === 'active' ? familyId : undefined;
  }

  /** `true` unless the token was revoked, its family revoked (or unknown) or its client disabled. */
  async isLive(jti: string): Promise<boolean> {
    const familyId = familyIdOfJti(jti);
    if (familyId === undefined) return false;
    const state = await accessTokenState(this.opts.db, familyId, jti);
    return state !== undefined && !state.revoked && state.familyStatus === 'active' && state.clientStatus === 'active';
  }
}

function assertClaims(payload: JWTPayload): AccessTokenClaims {
  const p = payload as Record<string, unknown>;
  const strings = ['iss', 'sub', 'aud', 'jti', 'client_id', 'scope'];
  if (strings.some((name) => typeof p[name] !== 'string') || typeof p.exp !== 'number' || typeof p.iat !== 'number') {
    throw new InvalidTokenError('token claims of the wrong type');
  }
  return payload as AccessTokenClaims;
}
