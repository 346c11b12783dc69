/**
 * One load run: autocannon's programmatic API on loopback, a fixed number of connections
 * for a fixed time, every answer checked by the scenario, latencies kept exactly.
 *
 * Requests come from a scenario in one of two ways, and each figure says which:
 * - `ahead`: built (sealed) before the run, one per request, each with a fresh
 *   `X-Idempotency-Key`; the generator only hands them out. Used where a request does not
 *   depend on an earlier answer, so the generator leaves the most CPU to the server.
 * - `live`: built in autocannon's `setupRequest` from the previous answer (a refresh chain,
 *   a journey); the generator seals and opens on the critical path, like a real client.
 */
import { createRequire } from 'node:module';
import { startMeters, type Charged, type Meters } from './meters.js';
import type { Progress } from './progress.js';
import type { WireRequest } from './wire.js';

/** What autocannon hands to `onResponse`. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Per-connection state autocannon keeps between `setupRequest` and `onResponse`. */
export type Context = Record<string, unknown>;

/** One entry of autocannon's `requests` sequence. */
export interface CannonRequest {
  method?: 'POST';
  setupRequest: (request: Record<string, unknown>, context: Context) => Record<string, unknown> | undefined;
  onResponse: (status: number, body: string, context: Context, headers: Record<string, string | string[] | undefined>) => void;
}

/**
 * Counts what a run's answers were worth. Scenarios call `ok()` or `fail(reason)` once per
 * answer, `unit()` once per completed unit of work (a journey), and `sampled()` for every
 * answer they decrypted or fully verified.
 */
export class Tally {
  okCount = 0;
  failCount = 0;
  units = 0;
  sampledCount = 0;
  /** Requests built during an `ahead` run because the prepared ones ran out. */
  builtDuringRun = 0;
  readonly reasons = new Map<string, number>();

  ok(): void {
    this.okCount++;
  }

  fail(reason: string): void {
    this.failCount++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  unit(): void {
    this.units++;
  }

  sampled(): void {
    this.sampledCount++;
  }
}

/** How a scenario feeds one run. */
export interface LoadPlan {
  /** Origin of the server, e.g. `http://127.0.0.1:8141`. */
  origin: string;
  /** The autocannon request sequence (one entry, or six for a journey). */
  requests: CannonRequest[];
  tally: Tally;
  mode: 'ahead' | 'live';
}

/** The measured figure of one run. */
export interface LoadFigure extends Charged {
  /** Answers that passed their check, per second. */
  reqPerSec: number;
  /** Completed units per second (journeys); equal to reqPerSec for single requests. */
  unitsPerSec: number;
  meanMs: number;
  p50Ms: number;
  /** Absent from results written before the half-load rounds existed. */
  p90Ms?: number;
  p99Ms: number;
  p999Ms?: number;
  maxMs: number;
  /** Open-loop runs only: the requests per second offered, whatever the answers. */
  offeredPerSec?: number;
  /** Answers that failed their check, plus socket errors and timeouts. */
  errors: number;
  /** The most frequent failure reasons, for the report. */
  errorReasons: Record<string, number>;
  /** Answers counted. */
  answers: number;
  /** Answers decrypted or fully verified by the generator. */
  sampled: number;
  durationSec: number;
  connections: number;
  mode: 'ahead' | 'live';
  builtDuringRun: number;
  /** CPU time this process (the load generator) used per unit, in µs. */
  generatorCpuUsPerUnit: number;
}

interface CannonInstance extends PromiseLike<CannonResult> {
  on(event: 'tick', listener: (tick: { counter: number }) => void): void;
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, timeMs: number) => void): void;
}

/** The parts of autocannon's summary that the benchmarks read. */
export interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { average: number; total: number };
  latency: { average: number; p99: number };
}

type Autocannon = (opts: Record<string, unknown>) => CannonInstance;
/** autocannon, typed for what the benchmarks use (it is CommonJS without bundled types). */
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * Run `plan` with `connections` connections for `durationSec` seconds, reporting each
 * second to `progress`, and return the figure. `meters` say what the run is charged with
 * (server CPU, allocation, services).
 */
export async function runLoad(plan: LoadPlan, connections: number, durationSec: number, meters: Meters, progress?: Progress): Promise<LoadFigure> {
  const latencies: number[] = [];
  const charge = await startMeters(meters);
  const generatorBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const instance = autocannon({
    url: plan.origin,
    method: 'POST',
    connections,
    duration: durationSec,
    timeout: 10,
    requests: plan.requests,
  });
  instance.on('response', (_client, _status, _bytes, timeMs) => {
    latencies.push(timeMs);
  });
  let second = 0;
  instance.on('tick', ({ counter }) => progress?.tick(++second, durationSec, counter));
  const result = await instance;
  const wallMs = performance.now() - wallBefore;
  const generator = process.cpuUsage(generatorBefore);
  const sorted = Float64Array.from(latencies).sort();
  const seconds = result.duration;
  const errors = plan.tally.failCount + result.errors + result.timeouts;
  const reasons = Object.fromEntries([...plan.tally.reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5));
  if (result.errors > 0) reasons['socket error'] = result.errors;
  if (result.timeouts > 0) reasons.timeout = result.timeouts;
  const units = Math.max(1, plan.tally.units > 0 ? plan.tally.units : plan.tally.okCount);
  const charged = await charge(units, wallMs);
  return {
    reqPerSec: plan.tally.okCount / seconds,
    unitsPerSec: (plan.tally.units > 0 ? plan.tally.units : plan.tally.okCount) / seconds,
    ...latencySummary(sorted),
    errors,
    errorReasons: reasons,
    answers: sorted.length,
    sampled: plan.tally.sampledCount,
    durationSec: seconds,
    connections,
    mode: plan.mode,
    builtDuringRun: plan.tally.builtDuringRun,
    ...charged,
    generatorCpuUsPerUnit: (generator.user + generator.system) / units,
  };
}

/** Mean, percentiles and maximum of latencies sorted ascending, in ms (0 when there are none). */
export function latencySummary(sorted: Float64Array): { meanMs: number; p50Ms: number; p90Ms: number; p99Ms: number; p999Ms: number; maxMs: number } {
  return {
    meanMs: sorted.length > 0 ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0,
  };
}

/** The p-th percentile (nearest rank) of sorted values; 0 when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/**
 * A one-request sequence over requests prepared ahead: each `setupRequest` takes the next
 * one (or builds one when they ran out, counted), each answer goes to `check`, with the
 * request it answers.
 */
export function preparedPlan<T extends WireRequest>(
  origin: string,
  prepared: T[],
  build: () => T,
  check: (answer: Answer, request: T, tally: Tally) => void,
): LoadPlan {
  const tally = new Tally();
  let next = 0;
  const request: CannonRequest = {
    method: 'POST',
    setupRequest: (req, context) => {
      let item = prepared[next];
      if (item === undefined) {
        item = build();
        tally.builtDuringRun++;
      } else {
        // Let the prepared request go once sent: the pool can be large.
        prepared[next] = undefined as unknown as T;
      }
      next++;
      context.request = item;
      req.path = item.path;
      req.headers = item.headers;
      req.body = item.body;
      return req;
    },
    onResponse: (status, body, context, headers) => {
      check({ status, body, headers }, context.request as T, tally);
    },
  };
  return { origin, requests: [request], tally, mode: 'ahead' };
}
