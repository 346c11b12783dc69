/**
 * `POST /api/v1/revoke` (RFC 7009; docs/protocol.md section 8). The answer is `200 {}` whether
 * or not the token was known; only a bad caller gets 401. The bearer may have expired.
 */
import { PATHS } from '@idsvc/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { authenticateBearer } from '../bearer.js';
import type { IdentityServices } from '../context.js';
import { defineOperation, type Operation } from '../operation.js';

const RevokeBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
});

export function revokeOperation(services: IdentityServices): Operation {
  return defineOperation({
    path: PATHS.revoke,
    body: RevokeBody,
    authPhase: 'onRequest',
    authenticate: (call) => authenticateBearer(call, services, true),
    async handle(call, bearer, body: Static<typeof RevokeBody>) {
      const outcome = await services.revocation.revoke(bearer.client_id, body.token, body.token_type_hint);
      services.events.revocation?.(outcome);
      call.log.info({ client_id: bearer.client_id, outcome }, 'revocation request');
      return {};
    },
  });
}
