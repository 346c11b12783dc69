/**
 * The identity API as a Fastify plugin: the plaintext routes of PROTOCOL.md section 8 on
 * the paths the sidecar forwards to, the JWKS, the internal routes of the sidecar (bearer
 * check, client status) and the admin API.
 */
import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes } from '../admin/routes.js';
import type { IdentityServices } from './context.js';
import { oauthErrorHandler, registerJsonBody, typeboxValidatorCompiler } from './http.js';
import { bearerVerifyRoute } from './routes/bearer-verify.js';
import { clientStatusRoute } from './routes/client-status.js';
import { introspectRoute } from './routes/introspect.js';
import { issueRoute } from './routes/issue.js';
import { jwksRoute } from './routes/jwks.js';
import type { IdentityRoute } from './routes/route.js';
import { revokeRoute } from './routes/revoke.js';
import { tokenRoute } from './routes/token.js';

/** Options of {@link identityPlugin}. */
export interface IdentityPluginOptions {
  services: IdentityServices;
}

const ROUTES: readonly IdentityRoute[] = [issueRoute, introspectRoute, tokenRoute, revokeRoute, jwksRoute, bearerVerifyRoute, clientStatusRoute];

/**
 * Register the identity API. Errors inside it answer in the OAuth shape; unknown routes are
 * the host's to answer (`createIdentityApp` answers them in the OAuth shape too).
 *
 * @example
 * ```ts
 * await app.register(identityPlugin, { services: await createIdentityServices({ config, db, clock, masterKey }) });
 * ```
 */
export const identityPlugin: FastifyPluginAsync<IdentityPluginOptions> = async (app, { services }) => {
  registerJsonBody(app, services.config.sidecar.bodyLimitBytes);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.setErrorHandler(oauthErrorHandler);
  // Token answers must not be cached anywhere (RFC 6749 section 5.1); the JWKS overrides this.
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  });
  for (const route of ROUTES) route(app, services);
  const adminToken = services.config.adminToken;
  if (adminToken !== undefined) await app.register(adminRoutes, { service: services.admin, adminToken });
};
