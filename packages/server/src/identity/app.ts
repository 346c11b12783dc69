/**
 * `createIdentityApp`: a ready Fastify instance serving the identity API, on its own port
 * (`app.listen`) or in process behind the sidecar (`app.inject`).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { loggerOptions } from '../lib/logging.js';
import { resolveMasterKey } from '../lib/master-key.js';
import { databaseCheck, edgeHttpOptions, opsServerOptions, registerOps } from '../ops/index.js';
import { IdentityMetrics } from './metrics.js';
import { openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';
import type { Database } from '../storage/schema.js';
import { createIdentityServices, type IdentityServices } from './context.js';
import { seedDevClients } from './dev-clients.js';
import { oauthErrorHandler, oauthNotFoundHandler } from './http.js';
import { OperationDispatcher } from './operation.js';
import { identityOperations, identityPlugin } from './plugin.js';

/** Pino options, or a logger instance to use as is, or `false` for none. */
export type LoggerSetting = boolean | { level?: string; [option: string]: unknown } | FastifyBaseLogger;

/** Options of {@link createIdentityApp}. */
export interface IdentityAppOptions {
  config: Config;
  /** A database to use (the caller closes it). Default: `openDatabase(config)`, closed with the app. */
  db?: Database;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: pino at `config.logLevel`, with secret headers redacted. */
  logger?: LoggerSetting;
  /**
   * The secret that makes the sidecar's `x-idsvc-*` headers trusted and opens
   * `/internal/v1/bearer/verify`. Default: `config.internalSecret`; without one, none are trusted.
   */
  internalSecret?: string;
  /** Default: MASTER_KEY, or in development mode the `dev-master.key` file. The app keeps no copy of it. */
  masterKey?: Uint8Array;
}

const servicesOfApp = new WeakMap<FastifyInstance, IdentityServices>();
const dispatcherOfApp = new WeakMap<FastifyInstance, OperationDispatcher>();

/**
 * The services behind an app made by {@link createIdentityApp} (for tests, tools and the
 * sidecar's in-process wiring). Kept beside the app rather than as a typed decoration, so
 * no global Fastify type is changed.
 * @throws TypeError when `app` was not made by createIdentityApp.
 */
export function identityServicesOf(app: FastifyInstance): IdentityServices {
  const services = servicesOfApp.get(app);
  if (services === undefined) throw new TypeError('not an identity app made by createIdentityApp');
  return services;
}

/**
 * The in-process entrance to the POST endpoints of an app made by {@link createIdentityApp},
 * for a sidecar in the same process (see operation.ts); `undefined` for any other app.
 */
export function identityDispatcherOf(app: FastifyInstance): OperationDispatcher | undefined {
  return dispatcherOfApp.get(app);
}

function isLoggerInstance(logger: LoggerSetting | undefined): logger is FastifyBaseLogger {
  return typeof logger === 'object' && typeof (logger as { child?: unknown }).child === 'function';
}

/**
 * Build the identity API: open the database (unless given) and migrate it, create or
 * rotate signing keys, seed the development clients when configured, and register
 * {@link identityPlugin} with OAuth-shaped error and not-found answers. The instance is
 * ready: `inject()` or `listen()` it; `close()` releases everything it opened.
 *
 * @example
 * ```ts
 * const app = await createIdentityApp({ config: loadConfig(process.env) });
 * await app.listen({ host: config.identity.host, port: config.identity.port });
 * // or, in process behind the sidecar:
 * const app = await createIdentityApp({ config, internalSecret });
 * const res = await app.inject({ method: 'POST', url: '/api/v1/introspect', headers, payload });
 * ```
 */
export async function createIdentityApp(options: IdentityAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? loggerOptions(config.logLevel);
  const app = Fastify({
    ...(isLoggerInstance(logger) ? { loggerInstance: logger } : { logger }),
    bodyLimit: config.sidecar.bodyLimitBytes,
    // A request without Host is answered by registerOps, in the OAuth shape.
    http: edgeHttpOptions(),
    // The sidecar forwards its request id (x-request-id); logs of both parts line up on it.
    ...opsServerOptions(),
  });
  const metrics = new IdentityMetrics();
  const ownsDb = options.db === undefined;
  const db = options.db ?? openDatabase(config);
  let services: IdentityServices | undefined;
  try {
    await migrate(db);
    const masterKey = options.masterKey !== undefined ? Buffer.from(options.masterKey) : await resolveMasterKey(config, app.log);
    try {
      services = await createIdentityServices({
        config,
        db,
        clock,
        masterKey,
        internalSecret: options.internalSecret ?? config.internalSecret,
        log: app.log,
        events: metrics.events,
      });
    } finally {
      masterKey.fill(0);
    }
    if (config.identity.seedDevClients) await seedDevClients(services.admin, app.log);
    if (config.adminToken === undefined) app.log.info('ADMIN_TOKEN is not set: the admin API is disabled');

    servicesOfApp.set(app, services);
    dispatcherOfApp.set(app, new OperationDispatcher(identityOperations(services), app.log, metrics));
    app.setErrorHandler(oauthErrorHandler);
    app.setNotFoundHandler(oauthNotFoundHandler);
    // /healthz, /readyz (the database answers), /metrics, request ids and the drain on close.
    registerOps(app, { metrics, checks: [databaseCheck(db)] });
    await app.register(identityPlugin, { services });
    const opened = services;
    app.addHook('onClose', async () => {
      opened.close();
      if (ownsDb) await db.destroy();
    });
    await app.ready();
    return app;
  } catch (err) {
    services?.close();
    await app.close().catch(() => undefined);
    if (ownsDb) await db.destroy();
    throw err;
  }
}
