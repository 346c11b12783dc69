/**
 * `POST /api/v1/revoke` (RFC 7009; PROTOCOL.md section 8). The answer is `200 {}` whether
 * or not the token was known; only a bad caller gets 401. The bearer may have expired.
 */
import { Type, type Static } from '@sinclair/typebox';
import { authenticateBearer } from '../bearer.js';
import { bearerClaims, setBearer } from '../request-state.js';
import type { IdentityRoute } from './route.js';

const RevokeBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
});

export const revokeRoute: IdentityRoute = (app, services) => {
  app.post(
    '/api/v1/revoke',
    {
      schema: { body: RevokeBody },
      onRequest: async (request) => {
        setBearer(request, await authenticateBearer(request, services, true));
      },
    },
    async (request) => {
      const body = request.body as Static<typeof RevokeBody>;
      const clientId = bearerClaims(request).client_id;
      const outcome = await services.revocation.revoke(clientId, body.token, body.token_type_hint);
      services.events.revocation?.(outcome);
      request.log.info({ client_id: clientId, outcome }, 'revocation request');
      return {};
    },
  );
};
