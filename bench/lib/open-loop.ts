/**
 * An open-loop load run: requests leave at a fixed rate, on a schedule that does not wait
 * for answers, and each latency runs from the request's scheduled time to its answer. That
 * is the latency a user sees at a steady load below saturation.
 *
 * autocannon's own `overallRate` is not used for this: it gives each connection a budget of
 * requests per second, which the connection spends back to back at the start of every second
 * and then idles, so every second begins with a burst at full speed and the tail measures
 * that burst's queue. Here the requests of a second are spread evenly (every 1/rate, woken
 * by a 1 ms timer), and latencies are counted from the schedule, so a request that had to
 * wait for a free connection is charged with the wait (no coordinated omission).
 *
 * The plan is the same as a closed-loop run's: `lanes` keep-alive connections, each walking
 * the plan's request sequence with a context of its own, as autocannon's connections do
 * (a journey's six steps, a refresh chain). A request due while every lane is busy waits
 * for the first free one.
 */
import { Agent, request as httpRequest } from 'node:http';
import { latencySummary, type CannonRequest, type LoadFigure, type LoadPlan, type Context } from './load.js';
import { startMeters, type Meters } from './meters.js';
import type { Progress } from './progress.js';

/** Seconds an answer may take before it counts as a timeout. */
const TIMEOUT_SEC = 10;

interface Lane {
  index: number;
  context: Context;
}

interface Answered {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function send(agent: Agent, origin: URL, built: Record<string, unknown>): Promise<Answered> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: (built.method as string | undefined) ?? 'POST',
        path: (built.path as string | undefined) ?? '/',
        headers: built.headers as Record<string, string>,
        timeout: TIMEOUT_SEC * 1000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(built.body as string | Buffer | undefined);
  });
}

/**
 * Offer `ratePerSec` requests per second of `plan` for `durationSec` seconds over `lanes`
 * connections, then wait for the answers still due, and return the figure.
 */
export async function runOpenLoop(plan: LoadPlan, ratePerSec: number, lanes: number, durationSec: number, meters: Meters, progress?: Progress): Promise<LoadFigure> {
  if (!(ratePerSec > 0)) throw new Error(`an open-loop run needs a positive rate, not ${ratePerSec}`);
  const origin = new URL(plan.origin);
  const agent = new Agent({ keepAlive: true, maxSockets: lanes });
  const requests: CannonRequest[] = plan.requests;
  const idle: Lane[] = Array.from({ length: lanes }, () => ({ index: 0, context: {} }));
  const waiting: number[] = [];
  const latencies: number[] = [];
  let socketErrors = 0;
  let timeouts = 0;
  let inFlight = 0;
  let allAnswered: (() => void) | undefined;

  const build = (lane: Lane): { entry: CannonRequest; built: Record<string, unknown> } => {
    // As autocannon does: a step that cannot be built starts the lane's sequence over.
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = requests[lane.index] as CannonRequest;
      const built = entry.setupRequest({ method: entry.method ?? 'POST', path: '/', headers: {} }, lane.context);
      if (built !== undefined) return { entry, built };
      lane.index = 0;
      lane.context = {};
    }
    throw new Error('the plan built no request');
  };

  const advance = (lane: Lane): void => {
    lane.index++;
    if (lane.index === requests.length) {
      lane.index = 0;
      lane.context = {};
    }
  };

  const dispatch = (lane: Lane, scheduledAt: number): void => {
    inFlight++;
    const { entry, built } = build(lane);
    send(agent, origin, built).then(
      (answer) => {
        latencies.push(performance.now() - scheduledAt);
        try {
          entry.onResponse(answer.status, answer.body, lane.context, answer.headers);
        } catch (err) {
          plan.tally.fail(err instanceof Error ? err.message : String(err));
        }
        advance(lane);
      },
      (err: unknown) => {
        if (err instanceof Error && err.message === 'timeout') timeouts++;
        else socketErrors++;
        // The lane's sequence cannot go on from a lost answer.
        lane.index = 0;
        lane.context = {};
      },
    ).finally(() => {
      inFlight--;
      const next = waiting.shift();
      if (next !== undefined) dispatch(lane, next);
      else idle.push(lane);
      if (inFlight === 0 && allAnswered !== undefined) allAnswered();
    });
  };

  const charge = await startMeters(meters);
  const generatorBefore = process.cpuUsage();
  const start = performance.now();
  const intervalMs = 1000 / ratePerSec;
  const total = Math.floor(ratePerSec * durationSec);
  let issued = 0;
  let second = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (issued < total && start + issued * intervalMs <= now) {
        const scheduledAt = start + issued * intervalMs;
        issued++;
        const lane = idle.pop();
        if (lane !== undefined) dispatch(lane, scheduledAt);
        else waiting.push(scheduledAt);
      }
      const elapsed = Math.floor((now - start) / 1000);
      if (elapsed > second) {
        second = elapsed;
        progress?.tick(second, durationSec, latencies.length);
      }
      if (issued >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  if (inFlight > 0 || waiting.length > 0) await new Promise<void>((resolve) => (allAnswered = resolve));
  const wallMs = performance.now() - start;
  agent.destroy();
  const generator = process.cpuUsage(generatorBefore);
  const sorted = Float64Array.from(latencies).sort();
  const seconds = wallMs / 1000;
  const { tally } = plan;
  const units = Math.max(1, tally.units > 0 ? tally.units : tally.okCount);
  const charged = await charge(units, wallMs);
  const reasons = Object.fromEntries([...tally.reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5));
  if (socketErrors > 0) reasons['socket error'] = socketErrors;
  if (timeouts > 0) reasons.timeout = timeouts;
  return {
    reqPerSec: tally.okCount / seconds,
    unitsPerSec: (tally.units > 0 ? tally.units : tally.okCount) / seconds,
    offeredPerSec: ratePerSec,
    ...latencySummary(sorted),
    errors: tally.failCount + socketErrors + timeouts,
    errorReasons: reasons,
    answers: sorted.length,
    sampled: tally.sampledCount,
    durationSec: seconds,
    connections: lanes,
    mode: plan.mode,
    builtDuringRun: tally.builtDuringRun,
    ...charged,
    generatorCpuUsPerUnit: (generator.user + generator.system) / units,
  };
}
