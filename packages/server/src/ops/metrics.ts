/**
 * Prometheus metrics (prom-client), served at `GET /metrics` by both services.
 *
 * Each app has a registry of its own, labelled `service="identity"` or `service="sidecar"`,
 * so two apps in one process (`idsvc serve`) never mix their counts. The process metrics
 * (resident memory, heap, open handles, event loop delay, GC) describe the process, not an
 * app: they are collected once per process and served by every app in it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The two services of the product. */
export type ServiceName = 'identity' | 'sidecar';

/** Paths of the operating surface itself; not counted as API requests. */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Latency buckets in seconds: sub-millisecond crypto up to a slow upstream. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;

/** The process metrics, created on first use (collecting them twice in a process would double them). */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type HttpLabels = 'route' | 'method' | 'status_code';

/**
 * The metrics of one app: HTTP requests by route, method and status, with latency. The
 * services add their own counters in subclasses and look at each answer or error through
 * {@link ServiceMetrics.onResponse} and {@link ServiceMetrics.onError}.
 */
export class ServiceMetrics {
  readonly service: ServiceName;
  readonly registry: Registry;
  readonly requests: Counter<HttpLabels>;
  readonly duration: Histogram<HttpLabels>;

  constructor(service: ServiceName) {
    this.service = service;
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service });
    this.requests = new Counter({
      name: 'idsvc_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status_code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'idsvc_http_request_duration_seconds',
      help: 'Time from the request arriving to the answer being sent, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** A counter in this app's registry. */
  protected counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  /** Called once per answer, after it was sent. Subclasses count what their service does. */
  onResponse(request: FastifyRequest, reply: FastifyReply, route: string): void {
    this.record(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  }

  /** Count one answer, from Fastify's hook or from a request served without HTTP. */
  record(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status_code: String(status) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  /** Called for every error thrown while serving a request, before it is answered. */
  onError(_request: FastifyRequest, _error: unknown): void {
    // Nothing in general; the services count the refusals they care about.
  }

  /** The exposition text: the process metrics, then this app's. */
  async text(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${process}\n${own}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The route pattern of a request (`/api/v1/token`), or `unmatched` for unknown paths: bounded label values. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** The `code` of a protocol or OAuth error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Count every answer and error of `app` into `metrics`, and serve them at `GET /metrics`.
 * Register it before the routes, so its hooks see all of them.
 */
export function registerMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    if (!OPS_PATHS.has(route)) metrics.onResponse(request, reply, route);
  });
  app.addHook('onError', async (request, _reply, error) => {
    metrics.onError(request, error);
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.text();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
  });
}
