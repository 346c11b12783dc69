/**
 * `GET /internal/v1/clients/:id`: the sidecar's question at session init, "may this client
 * id open a session?", so a sidecar needs no database of its own. Answers 200
 * `{"id", "status"}` (`active` or `disabled`) for a registered client and 404 for any
 * other id. Without the internal secret the route does not exist (404), exactly like
 * `/internal/v1/bearer/verify`. Secrets and settings of the client are never part of it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { type ClientStatusAnswer, INTERNAL_PATHS } from '../../contract/internal-api.js';
import { NotFoundError } from '../../lib/oauth-error.js';
import { findClient } from '../../storage/clients-repository.js';
import { isInternalCall } from '../internal-headers.js';
import type { IdentityRoute } from './route.js';


const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const clientStatusRoute: IdentityRoute = (app, services) => {
  app.get(
    INTERNAL_PATHS.clientStatus,
    {
      schema: { params: Params },
      onRequest: async (request) => {
        if (!isInternalCall(request, services.internalSecret)) throw new NotFoundError(undefined, 'client status without the internal secret');
      },
    },
    async (request): Promise<ClientStatusAnswer> => {
      const { id } = request.params as Static<typeof Params>;
      const client = await findClient(services.db, id);
      if (client === undefined) throw new NotFoundError('No such client.', 'client status of an unknown client');
      return { id: client.id, status: client.status };
    },
  );
};
