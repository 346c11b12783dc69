import type { LoadFigure } from '../lib/load.js';
import type { RunResults, ScenarioResult, TargetFigure } from '../lib/results.js';

/** A figure with the given rate and p99, other fields plausible. */
export function figure(unitsPerSec: number, p99Ms = 10, errors = 0): TargetFigure {
  const base: LoadFigure = {
    reqPerSec: unitsPerSec,
    unitsPerSec,
    meanMs: p99Ms / 2,
    p50Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms * 2,
    errors,
    errorReasons: errors > 0 ? { 'HTTP 500': errors } : {},
    answers: unitsPerSec * 8,
    sampled: 100,
    durationSec: 8,
    connections: 50,
    mode: 'ahead',
    builtDuringRun: 0,
    serverCpuUsPerUnit: 1e6 / unitsPerSec,
    serverCpuPct: 100,
    generatorCpuUsPerUnit: 50,
  };
  return { ...base, rounds: [unitsPerSec], errorsAllRounds: errors };
}

/** An open-loop figure at `offered` req/s with the given p99 (p50 a quarter, p90 half, p99.9 twice). */
export function halfLoad(offered: number, p99Ms: number, errors = 0): LoadFigure {
  return {
    ...figure(offered, p99Ms, errors),
    offeredPerSec: offered,
    p50Ms: p99Ms / 4,
    p90Ms: p99Ms / 2,
    p999Ms: p99Ms * 2,
    serverAllocBytesPerUnit: 12_000,
  };
}

/** A scenario result with figures (and half-load figures, if given). */
export function scenario(
  id: ScenarioResult['id'],
  figures: ScenarioResult['figures'],
  unit: ScenarioResult['unit'] = 'request',
  half?: ScenarioResult['halfLoad'],
): ScenarioResult {
  return { id, title: `title of ${id}`, unit, description: `what ${id} does`, figures, skipped: {}, ...(half !== undefined ? { halfLoad: half } : {}) };
}

/** A whole run at 50 connections with the given scenarios. */
export function run(scenarios: ScenarioResult[], connections = 50): RunResults {
  return {
    date: '2026-01-02T03:04:05.000Z',
    machine: { cpuModel: 'Test CPU', cores: 2, node: 'v20.0.0', openssl: '3.0.0', v8: '11', platform: 'linux', memoryGiB: 8 },
    settings: { mode: 'full', connections, durationSec: 8, rounds: 3, warmupSec: 3, halfLoadSec: 10, logLevel: 'warn' },
    shapes: { embedded: 'one process' },
    scenarios,
  };
}

/** Results that meet every target; the scenarios in the order of `SCENARIO_INDEX`. */
export function passingRun(): RunResults {
  return run([
    scenario('session-init', { ceiling: figure(5000), embedded: figure(4500), scaled: figure(4000) }, 'request', { embedded: halfLoad(2250, 4), scaled: halfLoad(2000, 9) }),
    scenario('introspect', { ceiling: figure(10000), embedded: figure(8000), scaled: figure(5000) }, 'request', { embedded: halfLoad(4000, 3), scaled: halfLoad(2500, 6) }),
    scenario('journey', { embedded: figure(800), scaled: figure(400) }, 'journey'),
    scenario('plain-introspect', { embedded: figure(9000), scaled: figure(4000), peer: figure(3000) }, 'request', { embedded: halfLoad(4500, 2), scaled: halfLoad(2000, 4), peer: halfLoad(1500, 3) }),
    scenario('plain-issue', { embedded: figure(3000), scaled: figure(1000), peer: figure(2500) }),
    scenario('issue', { embedded: figure(2000), scaled: figure(1300) }, 'request', { embedded: halfLoad(1000, 8), scaled: halfLoad(650, 19) }),
    scenario('refresh', { embedded: figure(2000), scaled: figure(1200) }, 'request', { embedded: halfLoad(1000, 9), scaled: halfLoad(600, 15) }),
  ]);
}

/** Where each scenario is in `passingRun().scenarios`. */
export const SCENARIO_INDEX = { 'session-init': 0, introspect: 1, journey: 2, 'plain-introspect': 3, 'plain-issue': 4, issue: 5, refresh: 6 } as const;
