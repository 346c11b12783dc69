/**
 * Bearer authentication of the caller (introspect, refresh, revoke): `Authorization:
 * Bearer <access token>` of this server, live (not revoked, family and client active), and
 * of the same client as the session the sidecar forwarded it through.
 */
import { InvalidTokenError } from '../lib/oauth-error.js';
import type { IdentityServices } from './context.js';
import { matchesForwardedClient, type WithHeaders } from './internal-headers.js';
import type { AccessTokenClaims } from './services/access-tokens.js';

/** The token of an `Authorization: Bearer` header, or `undefined`. */
export function bearerToken(request: WithHeaders): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +([^ ]+) *$/i.exec(header);
  return match?.[1];
}

/** A refresh route bearer: its claims, and the family it died with, if it did. */
export interface GrantBearer {
  claims: AccessTokenClaims;
  /** Set when the bearer is dead only because its family was revoked. */
  revokedFamily: string | undefined;
}

/**
 * The caller's bearer on the refresh route: as {@link authenticateBearer} with expiry
 * allowed, except that a bearer whose family was revoked is let through with that family
 * named, so the route can tell a client reusing that family's refresh token `invalid_grant`
 * (the grant is what died) rather than `invalid_token`. The route refuses it in any other case.
 * @throws InvalidTokenError (401)
 */
export async function authenticateGrantBearer(request: WithHeaders, services: IdentityServices): Promise<GrantBearer> {
  const token = bearerToken(request);
  if (token === undefined) throw new InvalidTokenError('no bearer token');
  const claims = await services.verifier.verify(token, { allowExpired: true });
  if (!matchesForwardedClient(request, services.internalSecret, claims.client_id)) {
    throw new InvalidTokenError(`bearer of ${claims.client_id} through a session of another client`);
  }
  if (await services.verifier.isLive(claims.jti)) return { claims, revokedFamily: undefined };
  const revokedFamily = await services.verifier.revokedFamilyOf(claims.jti);
  if (revokedFamily === undefined) throw new InvalidTokenError(`token ${claims.jti} is revoked`);
  return { claims, revokedFamily };
}

/**
 * The claims of the caller's bearer.
 * @param allowExpired accept a bearer past its expiry (its signature must still hold).
 * @throws InvalidTokenError (401)
 */
export async function authenticateBearer(request: WithHeaders, services: IdentityServices, allowExpired: boolean): Promise<AccessTokenClaims> {
  const token = bearerToken(request);
  if (token === undefined) throw new InvalidTokenError('no bearer token');
  const claims = await services.verifier.verifyActive(token, { allowExpired });
  if (!matchesForwardedClient(request, services.internalSecret, claims.client_id)) {
    throw new InvalidTokenError(`bearer of ${claims.client_id} through a session of another client`);
  }
  return claims;
}
