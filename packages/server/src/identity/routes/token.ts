/**
 * `POST /api/v1/token` (docs/protocol.md section 8): the refresh grant with rotation. The bearer
 * authenticates the client and may have expired (refresh usually comes after expiry), but
 * its signature must hold and it must not be revoked.
 */
import { PATHS } from '@idsvc/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidRequestError, UnsupportedGrantTypeError } from '../../lib/oauth-error.js';
import { authenticateBearer } from '../bearer.js';
import type { IdentityServices } from '../context.js';
import { forwardedDeadline } from '../internal-headers.js';
import { defineOperation, type Operation } from '../operation.js';

const TokenBody = Type.Object({
  grant_type: Type.String({ minLength: 1, maxLength: 128 }),
  refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});

export function tokenOperation(services: IdentityServices): Operation {
  return defineOperation({
    path: PATHS.refresh,
    body: TokenBody,
    authPhase: 'onRequest',
    authenticate: (call) => authenticateBearer(call, services, true),
    async handle(call, bearer, body: Static<typeof TokenBody>) {
      if (body.grant_type !== 'refresh_token') throw new UnsupportedGrantTypeError(`grant_type ${body.grant_type}`);
      if (body.refresh_token === undefined) throw new InvalidRequestError('Invalid body: refresh_token is required.');
      // The sidecar's deadline: nothing is committed once it has stopped waiting.
      const deadline = forwardedDeadline(call, services.internalSecret);
      const response = await services.rotation.rotate(bearer.client_id, body.refresh_token, { deadline });
      call.log.info({ client_id: bearer.client_id }, 'refresh token rotated');
      return response;
    },
  });
}
