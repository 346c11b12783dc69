/**
 * Runs the scenarios: set up each target, warm it up, then the rounds, the targets of a
 * scenario taking turns within each round so that their ratio compares figures taken under
 * the same machine load. The median round of each target is kept.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment, Feeder, Scenario, TargetKind } from '../scenarios/types.js';
import { runLoad, type LoadFigure } from './load.js';
import type { Meters } from './meters.js';
import { runOpenLoop } from './open-loop.js';
import type { Progress } from './progress.js';
import { medianRound, type RunSettings, type ScenarioResult } from './results.js';

/** Prepared requests per second of run before the first measurement says better. */
const FIRST_GUESS_PER_SEC = 4000;
/** Prepared requests beyond the expected count, so a faster round does not run out. */
const MARGIN = 1.5;

function available(target: TargetKind, env: Environment): boolean {
  return env[target] !== undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The share of a target's measured maximum that its half-load round offers. */
export const HALF_LOAD = 0.5;

function metersOf(target: TargetKind, env: Environment): Meters {
  const server = env[target];
  if (server === undefined) return { pids: [] };
  return { pids: server.pids, allocatedBytes: server.allocatedBytes, ...(server.services !== undefined ? { services: server.services } : {}) };
}

/** Run one scenario on every target of it that is running. */
export async function runScenario(scenario: Scenario, env: Environment, settings: RunSettings, progress: Progress, notRunning: Partial<Record<TargetKind, string>>): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: scenario.id, title: scenario.title, unit: scenario.unit, description: scenario.description, figures: {}, skipped: {} };
  const feeders = new Map<TargetKind, Feeder>();
  for (const target of scenario.targets) {
    if (!available(target, env)) {
      result.skipped[target] = notRunning[target] ?? 'not started';
      continue;
    }
    progress.step(`${scenario.title}: setting up ${target}`);
    try {
      feeders.set(target, await scenario.prepare(target, env));
    } catch (err) {
      result.skipped[target] = `set-up failed: ${message(err)}`;
      progress.note(`warning: ${scenario.title} on ${target}: set-up failed: ${message(err)}`);
    }
  }

  // Requests answered per second, per target: sizes the pools of prepared requests.
  const pace = new Map<TargetKind, number>();
  const runs = new Map<TargetKind, LoadFigure[]>();
  const once = async (target: TargetKind, feeder: Feeder, seconds: number, label: string): Promise<LoadFigure> => {
    const perSec = pace.get(target) ?? FIRST_GUESS_PER_SEC;
    progress.step(`${scenario.title} · ${target} · ${label}: preparing`);
    const plan = await feeder.plan(Math.ceil(perSec * seconds * MARGIN) + 500);
    progress.step(`${scenario.title} · ${target} · ${label}`);
    const figure = await runLoad(plan, settings.connections, seconds, metersOf(target, env), progress);
    pace.set(target, Math.max(pace.get(target) ?? 0, figure.reqPerSec));
    // Let the server settle (sockets closed, garbage collected) before the next run.
    await sleep(300);
    return figure;
  };

  for (const [target, feeder] of feeders) {
    try {
      await once(target, feeder, settings.warmupSec, 'warm-up');
    } catch (err) {
      feeders.delete(target);
      result.skipped[target] = `warm-up failed: ${message(err)}`;
      progress.note(`warning: ${scenario.title} on ${target}: warm-up failed: ${message(err)}`);
    }
  }
  for (let round = 1; round <= settings.rounds; round++) {
    // Every other round in reverse order, so that no target always runs first (just after a
    // pause) or last.
    const order = [...feeders];
    if (round % 2 === 0) order.reverse();
    for (const [target, feeder] of order) {
      const figure = await once(target, feeder, settings.durationSec, `round ${round}/${settings.rounds}`);
      runs.set(target, [...(runs.get(target) ?? []), figure]);
      if (figure.errors > 0) {
        progress.note(`warning: ${scenario.title} on ${target}, round ${round}: ${figure.errors} failed answers (${JSON.stringify(figure.errorReasons)})`);
      }
    }
  }
  for (const [target, figures] of runs) result.figures[target] = medianRound(figures);

  // Then each target at half its measured maximum, open loop: the latency users see at a
  // steady load, rather than the queue of a saturated server.
  if (settings.halfLoadSec > 0) {
    result.halfLoad = {};
    for (const [target, feeder] of feeders) {
      const max = result.figures[target];
      if (max === undefined || max.reqPerSec <= 0) continue;
      const rate = HALF_LOAD * max.reqPerSec;
      const label = `half load (${Math.round(rate)} req/s offered)`;
      try {
        progress.step(`${scenario.title} · ${target} · ${label}: preparing`);
        const plan = await feeder.plan(Math.ceil(rate * settings.halfLoadSec * MARGIN) + 500);
        progress.step(`${scenario.title} · ${target} · ${label}`);
        const figure = await runOpenLoop(plan, rate, settings.connections, settings.halfLoadSec, metersOf(target, env), progress);
        result.halfLoad[target] = figure;
        if (figure.errors > 0) progress.note(`warning: ${scenario.title} on ${target}, half load: ${figure.errors} failed answers (${JSON.stringify(figure.errorReasons)})`);
        await sleep(300);
      } catch (err) {
        progress.note(`warning: ${scenario.title} on ${target}: half-load round failed: ${message(err)}`);
      }
    }
  }
  return result;
}
