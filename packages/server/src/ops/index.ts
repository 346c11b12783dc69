/**
 * The operating surface shared by both services: request ids, health and readiness,
 * Prometheus metrics, graceful shutdown. `registerOps` puts all of it on an app.
 */
import type { FastifyInstance } from 'fastify';
import { type ReadinessCheck, registerHealth } from './health.js';
import { type ServiceMetrics, registerMetrics } from './metrics.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { registerRequestEdge } from './request-edge.js';
import { type DrainState, installDraining } from './shutdown.js';

export { CHECK_TIMEOUT_MS, databaseCheck, runChecks, waitUntilReady, type CheckResults, type ReadinessCheck } from './health.js';
export { OPS_PATHS, ServiceMetrics, type ServiceName } from './metrics.js';
export { MAX_PARAM_LENGTH, edgeHttpOptions, registerRequestEdge } from './request-edge.js';
export { REQUEST_ID_HEADER, isWellFormedRequestId, opsServerOptions, requestIdOf } from './request-id.js';
export { closeGracefully, installDraining, type DrainState, type GracefulCloseOptions } from './shutdown.js';

/** Options of {@link registerOps}. */
export interface OpsOptions {
  metrics: ServiceMetrics;
  /** What `/readyz` checks. */
  checks: readonly ReadinessCheck[];
}

/**
 * Register `/healthz`, `/readyz`, `/metrics`, the drain behaviour and the `x-request-id`
 * echo on `app`. Call it before registering routes, so its hooks see every request; build
 * the app with `opsServerOptions()`.
 *
 * @example
 * ```ts
 * const app = Fastify({ logger, ...opsServerOptions() });
 * registerOps(app, { metrics: new ServiceMetrics('sidecar'), checks: [] });
 * ```
 */
export function registerOps(app: FastifyInstance, options: OpsOptions): DrainState {
  app.addHook('onRequest', async (request, reply) => {
    // First, so that even a refused request echoes its id.
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  // No Host, no route, a compressed body: answered in the OAuth shape before anything else.
  registerRequestEdge(app);
  const drain = installDraining(app);
  registerMetrics(app, options.metrics);
  registerHealth(app, options.checks, () => drain.draining);
  return drain;
}
