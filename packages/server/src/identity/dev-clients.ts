/**
 * The two example clients of development mode, with the dummy credentials published in the
 * example clients' documentation. Seeded only when `config.identity.seedDevClients` is on,
 * which the configuration never allows in production mode.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ClientAdminService, CreateClientInput } from './admin/service.js';

/** The published development clients. Their secrets are public: never use them outside development. */
export const DEV_CLIENTS: readonly Required<Omit<CreateClientInput, 'refreshGraceSec'>>[] = Object.freeze([
  {
    clientId: 'dev-client',
    name: 'Development internal client (Basic)',
    authMethod: 'basic',
    secret: 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!',
    scopes: ['orders.read', 'orders.write'],
    audiences: ['orders-api'],
  },
  {
    clientId: 'external-partner-test',
    name: 'Development external client (HMAC)',
    authMethod: 'hmac',
    secret: 'external-partner-hmac-secret-key-32chars!',
    scopes: ['orders.read'],
    audiences: ['orders-api'],
  },
]);

/** Create the development clients that do not exist yet (existing ones are left as they are). */
export async function seedDevClients(admin: ClientAdminService, log?: FastifyBaseLogger): Promise<string[]> {
  const created: string[] = [];
  for (const client of DEV_CLIENTS) {
    if (await admin.exists(client.clientId)) continue;
    await admin.create(client);
    created.push(client.clientId);
  }
  log?.warn(
    { clients: DEV_CLIENTS.map((c) => c.clientId), created },
    '!!! DEVELOPMENT MODE: example clients with PUBLISHED DUMMY SECRETS are registered; anyone can get tokens for them. Never run this in production. !!!',
  );
  return created;
}
