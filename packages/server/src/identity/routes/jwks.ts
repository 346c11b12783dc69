/**
 * `GET /.well-known/jwks.json`: the public keys that verify access tokens — the active key,
 * the next one (published before it signs) and retired ones whose tokens may still be live.
 */
import type { IdentityRoute } from './route.js';

/** Verifiers may cache the set this long; a new key is published a whole rotation period before it signs. */
const MAX_AGE_SEC = 300;

export const jwksRoute: IdentityRoute = (app, services) => {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    void reply.header('cache-control', `public, max-age=${MAX_AGE_SEC}`).removeHeader('pragma');
    return services.signingKeys.jwks();
  });
};
