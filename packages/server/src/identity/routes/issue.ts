/**
 * `POST /api/v1/token/issue` (PROTOCOL.md section 8): authenticate the client with Basic
 * or an HMAC signature, then issue an access token (and a refresh token on request) in a
 * new token family.
 */
import { Type, type Static } from '@sinclair/typebox';
import { InvalidClientError } from '../../lib/oauth-error.js';
import { rawBody } from '../http.js';
import { matchesForwardedClient } from '../internal-headers.js';
import { authenticatedClient, setClient } from '../request-state.js';
import type { IdentityRoute } from './route.js';

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

export const issueRoute: IdentityRoute = (app, services) => {
  app.post(
    '/api/v1/token/issue',
    {
      schema: { body: IssueBody },
      // Authenticate before validating the body: a caller with bad credentials learns nothing about the body rules.
      preValidation: async (request) => {
        const client = await services.clientAuth.authenticate({
          authorization: header(request.headers.authorization),
          signature: header(request.headers['x-signature']),
          clientId: header(request.headers['x-clientid']),
          idempotencyKey: header(request.headers['x-idempotency-key']),
          body: rawBody(request),
        });
        if (!matchesForwardedClient(request, services.internalSecret, client.id)) {
          throw new InvalidClientError(`client ${client.id} through a session of another client`);
        }
        setClient(request, client);
      },
    },
    async (request) => {
      const body = request.body as Static<typeof IssueBody>;
      const client = authenticatedClient(request);
      const { response, familyId, revokedFamilies } = await services.issuer.issue(client, {
        audience: body.audience,
        scope: body.scope,
        subject: body.subject,
        includeRefreshToken: body.include_refresh_token,
        singleSession: body.single_session,
        customClaims: body.custom_claims,
      });
      request.log.info({ client_id: client.id, family_id: familyId, revoked_families: revokedFamilies }, 'tokens issued');
      return response;
    },
  );
};
