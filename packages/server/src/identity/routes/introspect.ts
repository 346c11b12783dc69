/**
 * `POST /api/v1/introspect` (RFC 7662; PROTOCOL.md section 8): the caller, authenticated by
 * its bearer, learns whether a token of its own is active and what it claims.
 */
import { Type, type Static } from '@sinclair/typebox';
import { authenticateBearer, bearerToken } from '../bearer.js';
import { bearerClaims, setBearer } from '../request-state.js';
import type { IdentityRoute } from './route.js';

const IntrospectBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
});

export const introspectRoute: IdentityRoute = (app, services) => {
  app.post(
    '/api/v1/introspect',
    {
      schema: { body: IntrospectBody },
      onRequest: async (request) => {
        setBearer(request, await authenticateBearer(request, services, false));
      },
    },
    async (request) => {
      const body = request.body as Static<typeof IntrospectBody>;
      const claims = bearerClaims(request);
      const caller = { token: bearerToken(request) ?? '', claims };
      return services.introspection.introspect(claims.client_id, body.token, body.token_type_hint, caller);
    },
  );
};
