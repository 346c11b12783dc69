/**
 * The journey web app: static UI from `public/`, the step endpoints, one journey per
 * browser behind an HttpOnly, SameSite=Strict cookie, and one journey shared by every
 * caller without that cookie.
 */
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { JourneyAppOptions, JourneyResolver } from './app-options.js';
import type { JourneyConfig } from './config.js';
import { Journey } from './journey.js';
import { registerInfoRoute } from './routes/info.js';
import { registerJwksRoute } from './routes/jwks.js';
import { registerStepRoutes } from './routes/steps.js';
import { JourneyStore } from './store.js';

export type { JourneyAppOptions, JourneyResolver } from './app-options.js';

/** Where the UI's files are, found from this module (src/ under tsx, dist/ when built). */
export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** Name of the cookie that holds the journey id. */
export const JOURNEY_COOKIE = 'idsvc_journey';

/**
 * Build the web app (not listening yet).
 *
 * @example
 * ```ts
 * const app = await createJourneyApp(loadJourneyConfig(process.env), { sidecarUrl: 'http://127.0.0.1:8141' });
 * await app.listen({ port: 3506 });
 * ```
 */
export async function createJourneyApp(config: JourneyConfig, options: JourneyAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Steps take no body; anything larger than this is not a journey request.
    bodyLimit: 16 * 1024,
  });

  const store = new JourneyStore<Journey>({
    create: () =>
      new Journey(config, {
        sidecarUrl: options.sidecarUrl,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        onUnexpected: (err) => app.log.error({ err }, 'journey step failed unexpectedly'),
      }),
    ...(options.maxJourneys !== undefined ? { maxEntries: options.maxJourneys } : {}),
    ...(options.journeyTtlMs !== undefined ? { ttlMs: options.journeyTtlMs } : {}),
  });
  app.addHook('onClose', async () => store.clear());

  // A browser gets its own journey, and the cookie naming it, when it loads the page (or
  // when its cookie names a journey that has expired). A caller without the cookie (curl,
  // a script) is not handed one: it walks the shared journey, as with the seed's
  // single-user app, so `POST /steps/1` … `/steps/6` work without a cookie jar.
  const ownJourney: JourneyResolver = (request, reply) => {
    const { id, value, created } = store.resolve(request.cookies[JOURNEY_COOKIE]);
    if (created) {
      reply.setCookie(JOURNEY_COOKIE, id, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
      });
    }
    return value;
  };
  const journeyOf: JourneyResolver = (request, reply) =>
    request.cookies[JOURNEY_COOKIE] === undefined ? store.shared() : ownJourney(request, reply);

  await app.register(fastifyCookie);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'request failed');
    void reply.code(status).send({
      error: status === 500 ? 'server_error' : 'invalid_request',
      error_description: status === 500 ? 'The journey app failed; see its log.' : (err.message ?? 'Bad request.'),
    });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ error: 'not_found', error_description: 'No such page or endpoint.' });
  });

  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: false });
  const page = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    ownJourney(request, reply);
    return reply.sendFile('index.html');
  };
  app.get('/', page);
  app.get('/index.html', page);
  registerInfoRoute(app, config, options);
  registerStepRoutes(app, journeyOf);
  registerJwksRoute(app, {
    identityUrl: options.identityUrl,
    timeoutMs: config.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return app;
}
