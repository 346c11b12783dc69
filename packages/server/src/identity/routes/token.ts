/**
 * `POST /api/v1/token` (docs/protocol.md section 8): the refresh grant with rotation. The bearer
 * authenticates the client and may have expired (refresh usually comes after expiry), but
 * its signature must hold and it must not be revoked, except that a bearer which died with
 * its family, presented with a refresh token of that family, is answered `invalid_grant`
 * like any refresh token of a revoked family.
 */
import { PATHS } from '@idsvc/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidGrantError, InvalidRequestError, InvalidTokenError, UnsupportedGrantTypeError } from '../../lib/oauth-error.js';
import { authenticateGrantBearer, type GrantBearer } from '../bearer.js';
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
    authenticate: (call) => authenticateGrantBearer(call, services),
    async handle(call, { claims: bearer, revokedFamily }: GrantBearer, body: Static<typeof TokenBody>) {
      if (revokedFamily !== undefined) {
        // A client reusing a token pair of a family it (or reuse detection) revoked: the
        // grant died, so say so. With any other grant the dead bearer authenticates nothing.
        const presented = body.grant_type === 'refresh_token' && body.refresh_token !== undefined ? await services.rotation.familyOf(body.refresh_token) : undefined;
        if (presented !== revokedFamily) throw new InvalidTokenError(`token ${bearer.jti} is revoked`);
        throw new InvalidGrantError(`family ${revokedFamily} is revoked`);
      }
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
