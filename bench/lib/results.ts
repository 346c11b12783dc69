/**
 * The results of a run, as written to `bench/results/latest.json` and read back by the
 * report and by `--check`.
 */
import type { LoadFigure } from './load.js';
import type { Machine } from './machine.js';
import type { ScenarioId, TargetKind } from '../scenarios/types.js';

/** The figure kept for one target of a scenario: its median round. */
export interface TargetFigure extends LoadFigure {
  /** Units per second of every round, in the order run. */
  rounds: number[];
  /** Errors over every round (the median round's own are in `errors` too). */
  errorsAllRounds: number;
}

/** One scenario's figures. */
export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  unit: 'request' | 'journey';
  description: string;
  figures: Partial<Record<TargetKind, TargetFigure>>;
  /** Targets that were not measured, and why. */
  skipped: Partial<Record<TargetKind, string>>;
  /** Each target's open-loop round at half its measured maximum (absent when not run). */
  halfLoad?: Partial<Record<TargetKind, LoadFigure>>;
}

/** The settings of a run. */
export interface RunSettings {
  mode: 'quick' | 'full';
  connections: number;
  durationSec: number;
  rounds: number;
  warmupSec: number;
  /** Seconds of each target's half-load round, after its rounds at full speed; 0 for none. */
  halfLoadSec: number;
  logLevel: string;
}

/** A whole run. */
export interface RunResults {
  date: string;
  machine: Machine;
  settings: RunSettings;
  /** What each target was, for the report (shape layout, stores, versions). */
  shapes: Partial<Record<TargetKind, string>>;
  scenarios: ScenarioResult[];
  /** The protocol micro-benchmark, when it ran. */
  protocol?: unknown;
}

/**
 * `figure`'s units per second over `baseline`'s: the median of the ratios of the rounds, each
 * round's two runs having been taken minutes apart at most, so a machine that slows down or
 * speeds up during the run (a shared host) moves both sides of each ratio alike. Without
 * matching rounds, the ratio of the two median figures.
 */
export function ratio(figure: TargetFigure | undefined, baseline: TargetFigure | undefined): number | undefined {
  if (figure === undefined || baseline === undefined || baseline.unitsPerSec === 0) return undefined;
  const pairs = figure.rounds.length === baseline.rounds.length ? figure.rounds.map((r, i) => r / (baseline.rounds[i] as number)) : [];
  if (pairs.length === 0 || pairs.some((r) => !Number.isFinite(r))) return figure.unitsPerSec / baseline.unitsPerSec;
  return median(pairs);
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median round of a target (by units per second), carrying the rates of every round. */
export function medianRound(runs: LoadFigure[]): TargetFigure {
  if (runs.length === 0) throw new Error('no rounds to take a median of');
  const sorted = [...runs].sort((a, b) => a.unitsPerSec - b.unitsPerSec);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as LoadFigure;
  const errorsAllRounds = runs.reduce((n, r) => n + r.errors, 0);
  return { ...median, rounds: runs.map((r) => r.unitsPerSec), errorsAllRounds };
}
