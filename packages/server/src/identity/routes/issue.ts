/**
 * `POST /api/v1/token/issue` (docs/protocol.md section 8): authenticate the client with Basic
 * or an HMAC signature, then issue an access token (and a refresh token on request) in a
 * new token family.
 *
 * A signed request is accepted only when it comes through a sidecar (it carries the internal
 * secret). Its replay protection is the sidecar's nonce store, shared by every sidecar
 * through Redis; the identity API keeps no nonces of its own, so the same signed request
 * sent straight to it again would be accepted twice. Refused instead, it cannot be replayed
 * at either service.
 */
import { PATHS } from '@idsvc/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidClientError } from '../../lib/oauth-error.js';
import type { IdentityServices } from '../context.js';
import { isInternalCall, matchesForwardedClient } from '../internal-headers.js';
import { defineOperation, type Operation } from '../operation.js';

/** Custom claim values: strings, numbers, booleans, arrays or objects. */
const ClaimValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.Unknown()), Type.Object({})]);

// Unknown members are ignored, as RFC 6749 section 3.2 asks of token endpoints.
const IssueBody = Type.Object({
  audience: Type.String({ minLength: 1, maxLength: 256 }),
  scope: Type.Optional(Type.String({ maxLength: 4096 })),
  subject: Type.String({ minLength: 1, maxLength: 256 }),
  include_refresh_token: Type.Optional(Type.Boolean()),
  single_session: Type.Optional(Type.Boolean()),
  custom_claims: Type.Optional(Type.Record(Type.String(), ClaimValue)),
});

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function issueOperation(services: IdentityServices): Operation {
  return defineOperation({
    path: PATHS.tokenIssue,
    body: IssueBody,
    // Basic or HMAC: the signature covers the body, so after parsing, before validation.
    authPhase: 'preValidation',
    async authenticate(call) {
      const signature = header(call.headers['x-signature']);
      if (signature !== undefined && signature.trim() !== '' && !isInternalCall(call, services.internalSecret)) {
        throw new InvalidClientError('signed request not forwarded by a sidecar (no internal secret)');
      }
      const client = await services.clientAuth.authenticate({
        authorization: header(call.headers.authorization),
        signature,
        clientId: header(call.headers['x-clientid']),
        idempotencyKey: header(call.headers['x-idempotency-key']),
        body: call.rawBody,
      });
      if (!matchesForwardedClient(call, services.internalSecret, client.id)) {
        throw new InvalidClientError(`client ${client.id} through a session of another client`);
      }
      return client;
    },
    async handle(call, client, body: Static<typeof IssueBody>) {
      const { response, familyId, revokedFamilies } = await services.issuer.issue(client, {
        audience: body.audience,
        scope: body.scope,
        subject: body.subject,
        includeRefreshToken: body.include_refresh_token,
        singleSession: body.single_session,
        customClaims: body.custom_claims,
      });
      if (revokedFamilies > 0) services.events.singleSessionRevocations?.(revokedFamilies);
      call.log.info({ client_id: client.id, family_id: familyId, revoked_families: revokedFamilies }, 'tokens issued');
      return response;
    },
  });
}
