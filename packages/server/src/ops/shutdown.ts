/**
 * Graceful shutdown: stop accepting, let the requests in flight finish within a bound,
 * then release the pools (database, Redis, HTTP agent) through the apps' `onClose` hooks.
 *
 * While an app drains, `/readyz` answers 503 `draining`, a request that still arrives on an
 * open keep-alive connection is answered 503 `temporarily_unavailable` (OAuth shape), and
 * every answer carries `connection: close`, so clients move to another instance.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { errorBody } from '@idsvc/protocol';
import { OPS_PATHS } from './metrics.js';

/** Whether an app is shutting down; set by its `preClose` hook. */
export interface DrainState {
  readonly draining: boolean;
}

/**
 * Install the drain behaviour on `app` (before its routes). The app must be built with
 * `return503OnClosing: false` (see `opsServerOptions`), so the 503 below is the only one.
 */
export function installDraining(app: FastifyInstance): DrainState {
  const state = { draining: false };
  app.addHook('preClose', async () => {
    state.draining = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!state.draining) return;
    void reply.header('connection', 'close');
    if (OPS_PATHS.has(request.url.split('?')[0] ?? '')) return;
    return reply.code(503).header('retry-after', '1').type('application/json; charset=utf-8').send(errorBody('temporarily_unavailable', 'The server is shutting down; retry.'));
  });
  app.addHook('onSend', async (_request, reply) => {
    // Requests in flight finish, and their connection closes after the answer.
    if (state.draining) void reply.header('connection', 'close');
  });
  return state;
}

/** Options of {@link closeGracefully}. */
export interface GracefulCloseOptions {
  /** The listening apps; their remaining connections are cut when the grace period is over. */
  apps: readonly FastifyInstance[];
  /** Closes everything: the apps (whose `onClose` hooks release the pools), then the rest. */
  close: () => Promise<void>;
  /** How long requests in flight may take to finish (SHUTDOWN_GRACE). */
  graceMs: number;
  log: FastifyBaseLogger;
  /**
   * Called when the close has not finished `min(graceMs, 5 s)` after the connections were
   * cut (a pool stuck on a dead dependency); a real process exits here. Default: nothing.
   */
  onStuck?: () => void;
}

/**
 * Close within a bound. Resolves `drained` when every request in flight finished within
 * the grace period, `cut` when some connections had to be closed under it.
 *
 * @example
 * ```ts
 * const outcome = await closeGracefully({ apps: [app], close: () => app.close(), graceMs: 10_000, log: app.log });
 * ```
 */
export async function closeGracefully(options: GracefulCloseOptions): Promise<'drained' | 'cut'> {
  const { apps, graceMs, log } = options;
  let outcome: 'drained' | 'cut' = 'drained';
  let stuckTimer: NodeJS.Timeout | undefined;
  const graceTimer = setTimeout(() => {
    outcome = 'cut';
    log.warn({ grace_ms: graceMs }, 'shutdown grace period over: closing the connections still open');
    for (const app of apps) app.server.closeAllConnections();
    if (options.onStuck !== undefined) {
      const onStuck = options.onStuck;
      stuckTimer = setTimeout(() => {
        log.error('shutdown did not finish after the connections were closed: stopping now');
        onStuck();
      }, Math.min(graceMs, 5000));
      stuckTimer.unref();
    }
  }, graceMs);
  // The timers bound the close; they must not be what keeps the process alive.
  graceTimer.unref();
  try {
    await options.close();
  } finally {
    clearTimeout(graceTimer);
    if (stuckTimer !== undefined) clearTimeout(stuckTimer);
  }
  return outcome;
}
