/**
 * What the identity API learned about a request while serving it (the authenticated
 * caller), kept beside the request rather than as a decoration on it.
 */
import type { FastifyRequest } from 'fastify';
import type { ClientRecord } from '../storage/clients-repository.js';
import type { AccessTokenClaims } from './services/access-tokens.js';

const clients = new WeakMap<FastifyRequest, ClientRecord>();
const bearers = new WeakMap<FastifyRequest, AccessTokenClaims>();

export function setClient(request: FastifyRequest, client: ClientRecord): void {
  clients.set(request, client);
}

/** The client authenticated by Basic or HMAC (token issue). */
export function authenticatedClient(request: FastifyRequest): ClientRecord {
  const client = clients.get(request);
  if (client === undefined) throw new Error('route reached without client authentication');
  return client;
}

export function setBearer(request: FastifyRequest, claims: AccessTokenClaims): void {
  bearers.set(request, claims);
}

/** The claims of the bearer that authenticated the caller (introspect, refresh, revoke). */
export function bearerClaims(request: FastifyRequest): AccessTokenClaims {
  const claims = bearers.get(request);
  if (claims === undefined) throw new Error('route reached without bearer authentication');
  return claims;
}
