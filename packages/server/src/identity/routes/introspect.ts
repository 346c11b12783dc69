/**
 * `POST /api/v1/introspect` (RFC 7662; docs/protocol.md section 8): the caller, authenticated by
 * its bearer, learns whether a token of its own is active and what it claims.
 */
import { PATHS } from '@idsvc/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { authenticateBearer, bearerToken } from '../bearer.js';
import type { IdentityServices } from '../context.js';
import { defineOperation, type Operation } from '../operation.js';

const IntrospectBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
});

export function introspectOperation(services: IdentityServices): Operation {
  return defineOperation({
    path: PATHS.introspect,
    body: IntrospectBody,
    authPhase: 'onRequest',
    authenticate: (call) => authenticateBearer(call, services, false),
    async handle(call, bearer, body: Static<typeof IntrospectBody>) {
      const caller = { token: bearerToken(call) ?? '', claims: bearer };
      return services.introspection.introspect(bearer.client_id, body.token, body.token_type_hint, caller);
    },
  });
}
