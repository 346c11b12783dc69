/**
 * `POST /internal/v1/bearer/verify`: the sidecar's check of an authenticated session init
 * (docs/protocol.md section 3). Answers 200 when the bearer is a live access token of the
 * `x-clientid` client whose `sub` is `x-subject`, else 401 `unauthorized`. Without the
 * internal secret the route does not exist (404).
 */
import { Type } from '@sinclair/typebox';
import { UnauthorizedError } from '@idsvc/protocol';
import { NotFoundError, OAuthError } from '../../lib/oauth-error.js';
import { type BearerVerifyAnswer, CLIENT_ID_HEADER, INTERNAL_PATHS, SUBJECT_HEADER } from '../../contract/internal-api.js';
import { bearerToken } from '../bearer.js';
import type { IdentityServices } from '../context.js';
import { isInternalCall } from '../internal-headers.js';
import { defineOperation, type Operation } from '../operation.js';

export function bearerVerifyOperation(services: IdentityServices): Operation {
  return defineOperation({
    path: INTERNAL_PATHS.bearerVerify,
    body: Type.Object({}),
    authPhase: 'onRequest',
    authenticate(call) {
      if (!isInternalCall(call, services.internalSecret)) throw new NotFoundError(undefined, 'bearer verify without the internal secret');
      return Promise.resolve();
    },
    async handle(call): Promise<BearerVerifyAnswer> {
      const token = bearerToken(call);
      const clientId = call.headers[CLIENT_ID_HEADER];
      const subject = call.headers[SUBJECT_HEADER];
      if (token === undefined || typeof clientId !== 'string' || typeof subject !== 'string') {
        throw new UnauthorizedError('bearer, x-clientid or x-subject missing');
      }
      try {
        const claims = await services.verifier.verifyActive(token);
        if (claims.client_id !== clientId) throw new UnauthorizedError(`bearer of ${claims.client_id} for ${clientId}`);
        if (claims.sub !== subject) throw new UnauthorizedError('bearer subject differs from x-subject');
        return { active: true, sub: claims.sub, client_id: claims.client_id, exp: claims.exp };
      } catch (err) {
        if (err instanceof OAuthError && !(err instanceof UnauthorizedError)) throw new UnauthorizedError(err.detail);
        throw err;
      }
    },
  });
}
