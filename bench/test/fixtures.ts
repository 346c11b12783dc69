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

/** A scenario result with figures. */
export function scenario(id: ScenarioResult['id'], figures: ScenarioResult['figures'], unit: ScenarioResult['unit'] = 'request'): ScenarioResult {
  return { id, title: `title of ${id}`, unit, description: `what ${id} does`, figures, skipped: {} };
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

/** Results that meet every target. */
export function passingRun(): RunResults {
  return run([
    scenario('session-init', { ceiling: figure(5000), embedded: figure(4500), scaled: figure(4000) }),
    scenario('introspect', { ceiling: figure(10000), embedded: figure(8000), scaled: figure(5000) }),
    scenario('journey', { embedded: figure(800), scaled: figure(300) }, 'journey'),
    scenario('plain-introspect', { embedded: figure(9000), scaled: figure(4000), peer: figure(3000) }),
    scenario('plain-issue', { embedded: figure(3000), scaled: figure(1000), peer: figure(2500) }),
  ]);
}
