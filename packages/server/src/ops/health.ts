/**
 * Liveness and readiness, for orchestrators and load balancers:
 *
 * - `GET /healthz`: the process lives and serves HTTP. 200 `{"status":"ok"}`, always.
 * - `GET /readyz`: the process can do its work now: every readiness check (the database
 *   for the identity API, Redis for a sidecar that keeps its sessions there) answered within
 *   {@link CHECK_TIMEOUT_MS}. 200 `{"status":"ready","checks":{...}}`, else 503 with
 *   `"status":"unavailable"` and the failing check named, or `"status":"draining"` once the
 *   process is shutting down. Reasons go to the log only.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../storage/schema.js';

/** One dependency the process needs to serve requests. */
export interface ReadinessCheck {
  /** Shown in the `/readyz` answer, e.g. `database`. */
  name: string;
  /** Resolves when the dependency answers; rejects (or hangs) otherwise. */
  check: () => Promise<unknown>;
}

/** How long one check may take before it counts as failing. */
export const CHECK_TIMEOUT_MS = 2000;

/** Each check by name: `ok` or `failing`. */
export type CheckResults = Record<string, 'ok' | 'failing'>;

/** The readiness check of an identity database: `select 1`. */
export function databaseCheck(db: Database): ReadinessCheck {
  return { name: 'database', check: () => sql`select 1`.execute(db) };
}

/** Run every check at once, each bounded by {@link CHECK_TIMEOUT_MS}. */
export async function runChecks(checks: readonly ReadinessCheck[], log?: FastifyBaseLogger): Promise<{ ready: boolean; checks: CheckResults }> {
  const results: CheckResults = {};
  await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        results[name] = 'ok';
      } catch (err) {
        results[name] = 'failing';
        log?.warn({ check: name, err: { message: err instanceof Error ? err.message : String(err) } }, 'readiness check failing');
      }
    }),
  );
  return { ready: Object.values(results).every((r) => r === 'ok'), checks: results };
}

/**
 * Wait until every check passes, for at most `timeoutMs`; `false` when they still fail.
 * A process that starts before its dependencies serves anyway and reports not ready.
 */
export async function waitUntilReady(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await runChecks(checks)).ready) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Register `/healthz` and `/readyz`; `draining()` says when the process is shutting down. */
export function registerHealth(app: FastifyInstance, checks: readonly ReadinessCheck[], draining: () => boolean): void {
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    if (draining()) return reply.code(503).send({ status: 'draining', checks: {} });
    const { ready, checks: results } = await runChecks(checks, request.log);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: results });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
