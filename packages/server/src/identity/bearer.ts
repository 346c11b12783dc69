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
