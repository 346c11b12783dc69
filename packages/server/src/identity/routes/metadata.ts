/**
 * `GET /.well-known/oauth-authorization-server`: the RFC 8414 metadata of this server, so a
 * resource server or a client library finds the JWKS and the endpoints from the issuer
 * alone. Every URL is built from `ISSUER`, which is also the `iss` of every access token.
 *
 * It states only what is true of this server. It has no authorization endpoint, so
 * `response_types_supported` (required by RFC 8414) is empty. Members this project adds
 * beside the registered ones are listed in docs/operations.md.
 */
import type { IdentityServices } from '../context.js';
import type { IdentityRoute } from './route.js';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** The algorithm of every access-token signature (see services/signing-keys.ts). */
export const ACCESS_TOKEN_SIGNING_ALGS = ['ES256'] as const;

/** Clients may cache the document this long; only `scopes_supported` changes, when clients are registered. */
const MAX_AGE_SEC = 300;

/** `path` under the issuer: the issuer may carry a path of its own (behind a proxy), so it is joined, not resolved. */
export function issuerUrl(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path}`;
}

/** The metadata document (RFC 8414 section 2). */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  token_issue_endpoint: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  response_types_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  token_issue_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  access_token_signing_alg_values_supported: string[];
  scopes_supported: string[];
}

/** The scopes of active clients: the only scopes a token can carry. */
async function activeScopes(services: IdentityServices): Promise<string[]> {
  const rows = await services.db.selectFrom('clients').select('scopes').where('status', '=', 'active').execute();
  const scopes = new Set<string>();
  for (const row of rows) for (const scope of JSON.parse(row.scopes) as string[]) scopes.add(scope);
  return [...scopes].sort();
}

/** Build the document for this server's configuration and registered clients. */
export async function authorizationServerMetadata(services: IdentityServices): Promise<AuthorizationServerMetadata> {
  const issuer = services.config.identity.issuer;
  return {
    issuer,
    jwks_uri: issuerUrl(issuer, '/.well-known/jwks.json'),
    // The RFC 6749 token endpoint: the refresh grant, authenticated by the family's access
    // token as a bearer (which may have expired), not by a client secret.
    token_endpoint: issuerUrl(issuer, '/api/v1/token'),
    // Tokens are first issued here, to a client authenticated by Basic or an HMAC signature.
    token_issue_endpoint: issuerUrl(issuer, '/api/v1/token/issue'),
    introspection_endpoint: issuerUrl(issuer, '/api/v1/introspect'),
    revocation_endpoint: issuerUrl(issuer, '/api/v1/revoke'),
    response_types_supported: [],
    grant_types_supported: ['refresh_token'],
    // "Bearer" is the access token type of RFC 6750, which RFC 8414 allows for the
    // introspection and revocation endpoints; the token endpoint uses it the same way.
    token_endpoint_auth_methods_supported: ['Bearer'],
    token_issue_endpoint_auth_methods_supported: ['client_secret_basic', 'hmac_sha256_signature'],
    introspection_endpoint_auth_methods_supported: ['Bearer'],
    revocation_endpoint_auth_methods_supported: ['Bearer'],
    access_token_signing_alg_values_supported: [...ACCESS_TOKEN_SIGNING_ALGS],
    scopes_supported: await activeScopes(services),
  };
}

export const metadataRoute: IdentityRoute = (app, services) => {
  app.get(METADATA_PATH, async (_request, reply) => {
    void reply.header('cache-control', `public, max-age=${MAX_AGE_SEC}`).removeHeader('pragma');
    return authorizationServerMetadata(services);
  });
};
