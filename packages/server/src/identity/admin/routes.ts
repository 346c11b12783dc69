/**
 * The admin API, `/admin/v1/clients`: create, list, show, update, rotate the secret,
 * disable. Every route requires `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant
 * time; with no admin token configured the routes are not registered at all (404).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { safeEqual } from '../../lib/constant-time.js';
import { InvalidRequestError, InvalidTokenError } from '../../lib/oauth-error.js';
import type { ClientAdminService } from './service.js';

/** Options of {@link adminRoutes}. */
export interface AdminRoutesOptions {
  service: ClientAdminService;
  adminToken: string;
}

const AuthMethod = Type.Union([Type.Literal('basic'), Type.Literal('hmac')]);
const Status = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);
const Strings = Type.Array(Type.String(), { maxItems: 100 });
/** Seconds, or `null` for the server's REFRESH_GRACE_SECONDS (the range is checked by the service). */
const RefreshGrace = Type.Union([Type.Integer(), Type.Null()]);

const CreateBody = Type.Object(
  {
    client_id: Type.Optional(Type.String()),
    name: Type.String(),
    auth_method: AuthMethod,
    scopes: Strings,
    audiences: Strings,
    client_secret: Type.Optional(Type.String()),
    refresh_grace_seconds: Type.Optional(RefreshGrace),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    scopes: Type.Optional(Strings),
    audiences: Type.Optional(Strings),
    status: Type.Optional(Status),
    refresh_grace_seconds: Type.Optional(RefreshGrace),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateBody = Type.Object({ client_secret: Type.Optional(Type.String()) }, { additionalProperties: false });
const rotateBody = TypeCompiler.Compile(RotateBody);

const Params = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 128 }) });
type ClientParams = Static<typeof Params>;

function requireAdmin(app: FastifyInstance, adminToken: string): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer +([^ ]+) *$/i.exec(header) : null;
    if (match === null || !safeEqual(match[1] as string, adminToken)) throw new InvalidTokenError('admin token missing or wrong');
  });
}

/** Register the admin routes (inside the identity plugin, which provides parsing and error handling). */
export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, { service, adminToken }) => {
  requireAdmin(app, adminToken);

  app.post('/admin/v1/clients', { schema: { body: CreateBody } }, async (request, reply) => {
    const body = request.body as Static<typeof CreateBody>;
    const created = await service.create({
      clientId: body.client_id,
      name: body.name,
      authMethod: body.auth_method,
      scopes: body.scopes,
      audiences: body.audiences,
      secret: body.client_secret,
      refreshGraceSec: body.refresh_grace_seconds,
    });
    request.log.info({ client_id: created.client_id }, 'client created');
    return reply.code(201).send(created);
  });

  app.get('/admin/v1/clients', async () => ({ clients: await service.list() }));

  app.get('/admin/v1/clients/:clientId', { schema: { params: Params } }, async (request) =>
    service.get((request.params as ClientParams).clientId),
  );

  app.patch('/admin/v1/clients/:clientId', { schema: { params: Params, body: UpdateBody } }, async (request) => {
    const { clientId } = request.params as ClientParams;
    const body = request.body as Static<typeof UpdateBody>;
    const updated = await service.update(clientId, {
      name: body.name,
      scopes: body.scopes,
      audiences: body.audiences,
      status: body.status,
      refreshGraceSec: body.refresh_grace_seconds,
    });
    request.log.info({ client_id: clientId }, 'client updated');
    return updated;
  });

  // The body is optional here (no body rotates to a generated secret), so it is checked by hand.
  app.post('/admin/v1/clients/:clientId/rotate-secret', { schema: { params: Params } }, async (request) => {
    const { clientId } = request.params as ClientParams;
    const body = request.body ?? {};
    if (!rotateBody.Check(body)) throw new InvalidRequestError('Invalid body: only an optional "client_secret" string is accepted.');
    const rotated = await service.rotateSecret(clientId, body.client_secret);
    request.log.info({ client_id: clientId }, 'client secret rotated');
    return rotated;
  });

  app.post('/admin/v1/clients/:clientId/disable', { schema: { params: Params } }, async (request) => {
    const { clientId } = request.params as ClientParams;
    const disabled = await service.disable(clientId);
    request.log.info({ client_id: clientId }, 'client disabled');
    return disabled;
  });
};
