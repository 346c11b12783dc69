/**
 * The sidecar as a Fastify app: session init plus the encrypted routes, the error shape,
 * CORS, limits, and the stripping of internal headers from every client request.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type KeyPair, generateKeyPairSync, newSessionId } from '@idsvc/protocol';
import type { Config } from '../config.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { type SidecarStores, memoryStores } from '../stores/index.js';
import type { ClientDirectory } from './client-directory.js';
import type { SidecarContext } from './context.js';
import { registerCors } from './cors.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handler.js';
import { stripInternalHeaders } from '../contract/internal-api.js';
import { loggerOptions } from '../lib/logging.js';
import { opsServerOptions, registerOps } from '../ops/index.js';
import { SidecarMetrics } from './metrics.js';
import { FORWARDED_PATHS, forwardHandler } from './routes/forward.js';
import { SESSION_INIT_PATH, sessionInitHandler } from './routes/session-init.js';
import { SIDECAR_JWKS_PATH, sidecarJwksHandler } from './routes/sidecar-jwks.js';
import { type HandshakeKeySource, upstreamHandshakeKeys } from './handshake-keys.js';
import type { Upstream } from './upstream.js';

/** Largest request head (request line + headers) accepted; beyond it 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Options of {@link createSidecarApp}. */
export interface SidecarAppOptions {
  config: Config;
  /** Where decrypted requests go: `inProcessUpstream(identityApp)` or `httpUpstream({ url, ... })`. */
  upstream: Upstream;
  /** Which client ids may open sessions. */
  clients: ClientDirectory;
  /** The secret the identity API expects in `x-idsvc-internal-auth`. */
  internalSecret: string;
  /** Session and nonce stores; in memory by default. The app closes them when it closes. */
  stores?: SidecarStores;
  clock?: Clock;
  /** A logger to use instead of one built from `config.logLevel`. */
  logger?: FastifyBaseLogger;
  /** The server's ephemeral key pair per session init; injectable to replay fixed vectors. */
  generateKeyPair?: () => KeyPair;
  /** Session ids; injectable to replay fixed vectors. */
  newSessionId?: () => string;
  /** Where the handshake key comes from; default: the identity API behind `upstream`. */
  handshakeKeys?: HandshakeKeySource;
}

/**
 * Build the sidecar. It does not listen: call `app.listen(...)` or use `startStack`.
 * Closing the app closes its stores and its upstream.
 *
 * @example
 * ```ts
 * const identityApp = await createIdentityApp({ config, internalSecret });
 * const sidecar = await createSidecarApp({
 *   config, internalSecret, upstream: inProcessUpstream(identityApp), clients,
 * });
 * await sidecar.listen({ host: config.sidecar.host, port: config.sidecar.port });
 * ```
 */
export async function createSidecarApp(options: SidecarAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const stores = options.stores ?? memoryStores(config, clock);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: config.sidecar.bodyLimitBytes,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    requestTimeout: 30_000,
    // The caller's x-request-id when well formed, else its own; forwarded, so the identity
    // API logs under the same id.
    ...opsServerOptions(),
    clientErrorHandler,
    frameworkErrors,
  });

  const ctx: SidecarContext = {
    clock,
    sessions: stores.sessions,
    nonces: stores.nonces,
    upstream: options.upstream,
    clients: options.clients,
    handshakeKeys: options.handshakeKeys ?? upstreamHandshakeKeys(options.upstream, options.internalSecret, clock),
    internalSecret: options.internalSecret,
    generateKeyPair: options.generateKeyPair ?? generateKeyPairSync,
    newSessionId: options.newSessionId ?? newSessionId,
    clockSkewSec: config.sidecar.clockSkewSec,
    nonceTtlSec: config.sidecar.nonceTtlSec,
    sessionTtlAnonymousSec: config.sidecar.sessionTtlAnonymousSec,
    sessionTtlAuthenticatedSec: config.sidecar.sessionTtlAuthenticatedSec,
  };

  // Before anything reads a header: no client can pass itself off as the sidecar.
  app.addHook('onRequest', (request, _reply, done) => {
    stripInternalHeaders(request.headers);
    done();
  });
  app.addHook('onClose', async () => {
    await Promise.all([stores.close(), options.upstream.close()]);
  });
  // /healthz, /readyz (Redis answers, when the stores live there), /metrics, the drain on close.
  const ping = stores.ping?.bind(stores);
  registerOps(app, { metrics: new SidecarMetrics(), checks: ping !== undefined ? [{ name: 'redis', check: ping }] : [] });
  installErrorHandling(app);
  // Bodies are JSON (docs/protocol.md section 1); anything else is 415, not a string to trip on.
  app.removeContentTypeParser('text/plain');
  await registerCors(app, config.sidecar.corsOrigins);

  app.post(SESSION_INIT_PATH, sessionInitHandler(ctx));
  app.get(SIDECAR_JWKS_PATH, sidecarJwksHandler(ctx));
  for (const path of FORWARDED_PATHS) app.post(path, forwardHandler(ctx, path));
  return app;
}
