/**
 * The contract between the runner and a scenario. A scenario knows which targets it runs
 * on, how to set each up (sessions, tokens), and how to feed and check one load run.
 */
import type { LoadPlan } from '../lib/load.js';
import type { BaselineServer, BenchClient, StackShape } from '../lib/shapes.js';

/** Where a load run goes: our two shapes, or a baseline. */
export type TargetKind = 'ceiling' | 'embedded' | 'scaled' | 'peer';

/** Everything started for the run; a shape that could not start is absent. */
export interface Environment {
  connections: number;
  embedded?: StackShape;
  scaled?: StackShape;
  ceiling?: BaselineServer & { key: Uint8Array };
  peer?: BaselineServer & { client: Pick<BenchClient, 'id' | 'secret'> };
}

/** Feeds the runs of a scenario on one target. */
export interface Feeder {
  /**
   * The plan of one run expected to answer about `expected` requests (`ahead` feeders
   * build that many, plus a margin, before the run).
   */
  plan(expected: number): LoadPlan | Promise<LoadPlan>;
}

/** Stable identifiers, used in the JSON results and by `--only`. */
export type ScenarioId = 'session-init' | 'introspect' | 'issue' | 'refresh' | 'journey' | 'plain-introspect' | 'plain-issue';

/** One scenario of the suite. */
export interface Scenario {
  id: ScenarioId;
  title: string;
  /** What the scenario's throughput counts. */
  unit: 'request' | 'journey';
  /** The targets it runs on, in the order of a round. */
  targets: readonly TargetKind[];
  /** One paragraph for the report: what a request does on each target. */
  description: string;
  /** Set up `target` (sessions, tokens) and return its feeder. */
  prepare(target: TargetKind, env: Environment): Promise<Feeder>;
}

/** The shape of `env` for a stack target; throws for a baseline. */
export function stackOf(target: TargetKind, env: Environment): StackShape {
  const shape = target === 'embedded' ? env.embedded : target === 'scaled' ? env.scaled : undefined;
  if (shape === undefined) throw new Error(`${target} is not running`);
  return shape;
}
