/**
 * The identity API as a Fastify plugin: the plaintext routes of docs/protocol.md section 8 on
 * the paths the sidecar forwards to, the JWKS, the internal routes of the sidecar (bearer
 * check, client status), the admin API, the RFC 8414 metadata and the OpenAPI document.
 */
import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes } from './admin/routes.js';
import type { IdentityServices } from './context.js';
import { oauthErrorHandler, registerJsonBody, typeboxValidatorCompiler } from './http.js';
import { openApiRoute, registerOpenApi } from './openapi.js';
import { registerOperation, type Operation } from './operation.js';
import { bearerVerifyOperation } from './routes/bearer-verify.js';
import { clientStatusRoute } from './routes/client-status.js';
import { introspectOperation } from './routes/introspect.js';
import { issueOperation } from './routes/issue.js';
import { handshakeKeysRoute } from './routes/handshake-keys.js';
import { jwksRoute } from './routes/jwks.js';
import { metadataRoute } from './routes/metadata.js';
import type { IdentityRoute } from './routes/route.js';
import { revokeOperation } from './routes/revoke.js';
import { tokenOperation } from './routes/token.js';

/** Options of {@link identityPlugin}. */
export interface IdentityPluginOptions {
  services: IdentityServices;
}

/** The POST endpoints, which the sidecar may also reach in process (see operation.ts). */
export function identityOperations(services: IdentityServices): Operation[] {
  return [issueOperation, introspectOperation, tokenOperation, revokeOperation, bearerVerifyOperation].map((make) => make(services));
}

const ROUTES: readonly IdentityRoute[] = [jwksRoute, metadataRoute, clientStatusRoute, handshakeKeysRoute];

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
  // First: the OpenAPI collector sees the routes registered after it.
  await registerOpenApi(app, services.config.identity.issuer);
  registerJsonBody(app, services.config.sidecar.bodyLimitBytes);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.setErrorHandler(oauthErrorHandler);
  // Token answers must not be cached anywhere (RFC 6749 section 5.1); the JWKS overrides this.
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  });
  for (const operation of identityOperations(services)) registerOperation(app, operation);
  for (const route of ROUTES) route(app, services);
  const adminToken = services.config.adminToken;
  if (adminToken !== undefined) await app.register(adminRoutes, { service: services.admin, adminToken });
  openApiRoute(app);
};
