/**
 * `POST /api/v1/token` (PROTOCOL.md section 8): the refresh grant with rotation. The bearer
 * authenticates the client and may have expired (refresh usually comes after expiry), but
 * its signature must hold and it must not be revoked.
 */
import { Type, type Static } from '@sinclair/typebox';
import { InvalidRequestError, UnsupportedGrantTypeError } from '../../lib/oauth-error.js';
import { authenticateBearer } from '../bearer.js';
import { bearerClaims, setBearer } from '../request-state.js';
import type { IdentityRoute } from './route.js';

const TokenBody = Type.Object({
  grant_type: Type.String({ minLength: 1, maxLength: 128 }),
  refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});

export const tokenRoute: IdentityRoute = (app, services) => {
  app.post(
    '/api/v1/token',
    {
      schema: { body: TokenBody },
      onRequest: async (request) => {
        setBearer(request, await authenticateBearer(request, services, true));
      },
    },
    async (request) => {
      const body = request.body as Static<typeof TokenBody>;
      if (body.grant_type !== 'refresh_token') throw new UnsupportedGrantTypeError(`grant_type ${body.grant_type}`);
      if (body.refresh_token === undefined) throw new InvalidRequestError('Invalid body: refresh_token is required.');
      const clientId = bearerClaims(request).client_id;
      const response = await services.rotation.rotate(clientId, body.refresh_token);
      request.log.info({ client_id: clientId }, 'refresh token rotated');
      return response;
    },
  );
};
