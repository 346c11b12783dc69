/**
 * The performance targets (issues 7 and 17) and their evaluation against a run's results. Pure:
 * `--check` prints the outcomes and exits non-zero when any target was missed or could
 * not be measured.
 */
import type { ScenarioId, TargetKind } from '../scenarios/types.js';
import type { LoadFigure } from './load.js';
import { ratio, type RunResults, type ScenarioResult, type TargetFigure } from './results.js';

/** Every target is measured at this many connections. */
export const TARGET_CONNECTIONS = 50;

/**
 * The p99 bound at half load (open loop, half the same run's maximum) per scenario, in
 * milliseconds, for the embedded shape; the scaled shape may take `SCALED_LATENCY_FACTOR`
 * times as long (a network hop, PostgreSQL and Redis).
 */
export const HALF_LOAD_P99_MS: Partial<Record<ScenarioId, number>> = {
  'session-init': 5,
  introspect: 5,
  'plain-introspect': 5,
  issue: 10,
  refresh: 10,
};
export const SCALED_LATENCY_FACTOR = 2;

/** How one target fared. */
export interface TargetOutcome {
  id: string;
  /** The target as the issue states it. */
  text: string;
  status: 'met' | 'missed' | 'not measured';
  /** What the run measured, e.g. `0.83 (4 120 / 4 960 req/s)`. */
  measured: string;
  /** For the chart: the measured number, the bound, and which side of it meets the target. */
  value?: number;
  bound?: number;
  direction?: 'at least' | 'at most';
}

/** A ratio target: `scenario` on `target` against `baseline`, at least `min`. */
interface RatioTarget {
  kind: 'ratio';
  id: string;
  text: string;
  scenario: ScenarioId;
  target: TargetKind;
  baseline: TargetKind;
  min: number;
}

/** An absolute throughput target. */
interface RateTarget {
  kind: 'rate';
  id: string;
  text: string;
  scenario: ScenarioId;
  target: TargetKind;
  min: number;
}

const RATIO_AND_RATE_TARGETS: readonly (RatioTarget | RateTarget)[] = [
  { kind: 'ratio', id: 'init-embedded', text: 'Session init (embedded) ≥ 0.85 × the ECDH + HKDF ceiling', scenario: 'session-init', target: 'embedded', baseline: 'ceiling', min: 0.85 },
  { kind: 'ratio', id: 'init-redis', text: 'Session init (Redis) ≥ 0.7 × the ECDH + HKDF ceiling', scenario: 'session-init', target: 'scaled', baseline: 'ceiling', min: 0.7 },
  { kind: 'ratio', id: 'introspect-embedded', text: 'Encrypted introspection through the sidecar (embedded) ≥ 0.75 × the AES-GCM ceiling', scenario: 'introspect', target: 'embedded', baseline: 'ceiling', min: 0.75 },
  { kind: 'ratio', id: 'plain-introspect-peer', text: 'Plaintext introspection on the identity API ≥ 1.5 × node-oidc-provider', scenario: 'plain-introspect', target: 'embedded', baseline: 'peer', min: 1.5 },
  { kind: 'ratio', id: 'plain-issue-peer', text: 'Token issue with Basic (plaintext, SQLite, refresh token stored) ≥ 1.0 × node-oidc-provider client credentials', scenario: 'plain-issue', target: 'embedded', baseline: 'peer', min: 1.0 },
  { kind: 'rate', id: 'journeys-embedded', text: 'Full journeys (embedded) ≥ 700 per second', scenario: 'journey', target: 'embedded', min: 700 },
  { kind: 'rate', id: 'journeys-scaled', text: 'Full journeys (scaled) ≥ 350 per second', scenario: 'journey', target: 'scaled', min: 350 },
  { kind: 'ratio', id: 'issue-scaled', text: 'Token issue through the sidecar (scaled) ≥ 0.6 × the embedded rate', scenario: 'issue', target: 'scaled', baseline: 'embedded', min: 0.6 },
  { kind: 'ratio', id: 'refresh-scaled', text: 'Refresh through the sidecar (scaled) ≥ 0.6 × the embedded rate', scenario: 'refresh', target: 'scaled', baseline: 'embedded', min: 0.6 },
  { kind: 'ratio', id: 'plain-introspect-scaled-peer', text: 'Plaintext introspection (scaled) ≥ 1.0 × node-oidc-provider', scenario: 'plain-introspect', target: 'scaled', baseline: 'peer', min: 1.0 },
];

/** Our stack's targets: the half-load latency bounds apply to each of their figures. */
const STACK_TARGETS: readonly TargetKind[] = ['embedded', 'scaled'];

/** The p99 bound at half load of `scenario` on `target`, or `undefined` where none is set. */
export function halfLoadBoundMs(scenario: ScenarioId, target: TargetKind): number | undefined {
  const bound = HALF_LOAD_P99_MS[scenario];
  if (bound === undefined || !STACK_TARGETS.includes(target)) return undefined;
  return target === 'scaled' ? bound * SCALED_LATENCY_FACTOR : bound;
}

/** `1.2 / 3.4 / 5.6 / 7.8 ms`: p50, p90, p99, p99.9 of a figure. */
export function percentiles(figure: LoadFigure): string {
  return [figure.p50Ms, figure.p90Ms, figure.p99Ms, figure.p999Ms].map((v) => (v === undefined ? '?' : v.toFixed(1))).join(' / ') + ' ms';
}

function rate(figure: TargetFigure, unit: ScenarioResult['unit']): string {
  return `${formatRate(figure.unitsPerSec)} ${unit === 'journey' ? 'journeys/s' : 'req/s'}`;
}

/** A rate, readable: `12 345`. */
export function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
}

function find(results: RunResults, id: ScenarioId): ScenarioResult | undefined {
  return results.scenarios.find((s) => s.id === id);
}

function whyMissing(scenario: ScenarioResult | undefined, ...targets: TargetKind[]): string {
  if (scenario === undefined) return 'scenario not run';
  const reasons = targets.filter((t) => scenario.figures[t] === undefined).map((t) => `${t}: ${scenario.skipped[t] ?? 'not run'}`);
  return reasons.join('; ');
}

/** Failing answers in a figure invalidate it: a fast wrong answer proves nothing. */
function errorNote(...figures: TargetFigure[]): string | undefined {
  const errors = figures.reduce((n, f) => n + f.errorsAllRounds, 0);
  return errors > 0 ? `, with ${errors} failed answers` : undefined;
}

/**
 * The most journeys per second the run's own ceiling routes would allow: a journey is two
 * session inits and four encrypted calls (issue, introspection, refresh, and a revocation,
 * counted at the introspection ceiling, the nearest body), and on the ceiling each of those
 * requests costs at least 1 / (its req/s) of the machine. Even a stack as cheap as the bare
 * crypto routes could not go beyond it under this harness. `undefined` unless every one of
 * those ceilings was measured.
 */
export function journeyCeiling(results: RunResults): number | undefined {
  const ceiling = (id: ScenarioId): number | undefined => find(results, id)?.figures.ceiling?.unitsPerSec;
  const [init, issue, introspect, refresh] = (['session-init', 'issue', 'introspect', 'refresh'] as const).map(ceiling);
  if (init === undefined || issue === undefined || introspect === undefined || refresh === undefined) return undefined;
  if ([init, issue, introspect, refresh].some((r) => r <= 0)) return undefined;
  return 1 / (2 / init + 1 / issue + 2 / introspect + 1 / refresh);
}

/** Evaluate every target against `results`, in the issue's order, then the half-load p99 bounds. */
export function evaluateTargets(results: RunResults): TargetOutcome[] {
  const outcomes: TargetOutcome[] = [];
  for (const t of RATIO_AND_RATE_TARGETS) {
    const scenario = find(results, t.scenario);
    const figure = scenario?.figures[t.target];
    if (t.kind === 'ratio') {
      const baseline = scenario?.figures[t.baseline];
      const value = ratio(figure, baseline);
      if (figure === undefined || baseline === undefined || value === undefined) {
        outcomes.push({ id: t.id, text: t.text, status: 'not measured', measured: whyMissing(scenario, t.target, t.baseline) });
        continue;
      }
      const errors = errorNote(figure, baseline);
      outcomes.push({
        id: t.id,
        text: t.text,
        status: value >= t.min && errors === undefined ? 'met' : 'missed',
        measured: `${value.toFixed(2)} (${rate(figure, scenario!.unit)} / ${rate(baseline, scenario!.unit)})${errors ?? ''}`,
        value,
        bound: t.min,
        direction: 'at least',
      });
    } else {
      if (figure === undefined) {
        outcomes.push({ id: t.id, text: t.text, status: 'not measured', measured: whyMissing(scenario, t.target) });
        continue;
      }
      const errors = errorNote(figure);
      const bound = t.scenario === 'journey' ? journeyCeiling(results) : undefined;
      outcomes.push({
        id: t.id,
        text: t.text,
        status: figure.unitsPerSec >= t.min && errors === undefined ? 'met' : 'missed',
        measured: `${rate(figure, scenario!.unit)}${errors ?? ''}${bound !== undefined ? `; the ceiling routes allow at most ${formatRate(bound)}/s` : ''}`,
        value: figure.unitsPerSec,
        bound: t.min,
        direction: 'at least',
      });
    }
  }
  for (const scenario of results.scenarios) {
    for (const target of STACK_TARGETS) {
      const limit = halfLoadBoundMs(scenario.id, target);
      if (limit === undefined || !scenario.figures[target] && scenario.skipped[target] === undefined) continue;
      const id = `half-load-p99-${scenario.id}-${target}`;
      const text = `p99 ≤ ${limit} ms at half load: ${scenario.title} (${target})`;
      const figure = scenario.halfLoad?.[target];
      if (figure === undefined) {
        const why = scenario.skipped[target] ?? (scenario.halfLoad === undefined ? 'no half-load round in this run' : 'the half-load round failed');
        outcomes.push({ id, text, status: 'not measured', measured: why });
        continue;
      }
      const errors = errorNote({ ...figure, rounds: [], errorsAllRounds: figure.errors });
      outcomes.push({
        id,
        text,
        status: figure.p99Ms <= limit && errors === undefined ? 'met' : 'missed',
        measured: `${figure.p99Ms.toFixed(1)} ms at ${formatRate(figure.offeredPerSec ?? figure.reqPerSec)} req/s offered (p50 / p90 / p99 / p99.9: ${percentiles(figure)})${errors ?? ''}`,
        value: figure.p99Ms,
        bound: limit,
        direction: 'at most',
      });
    }
  }
  if (results.settings.connections !== TARGET_CONNECTIONS) {
    // Figures at another concurrency do not speak to the targets.
    return outcomes.map((o) => ({ ...o, status: 'not measured', measured: `${o.measured} (run at ${results.settings.connections} connections, targets are at ${TARGET_CONNECTIONS})` }));
  }
  return outcomes;
}

/** The lines `--check` prints, and whether the run passes (every target met). */
export function checkReport(outcomes: TargetOutcome[]): { pass: boolean; lines: string[] } {
  const failing = outcomes.filter((o) => o.status !== 'met');
  const lines = failing.map((o) => `${o.status === 'missed' ? 'MISSED' : 'NOT MEASURED'}  ${o.text}: ${o.measured}`);
  lines.push(failing.length === 0 ? `all ${outcomes.length} targets met` : `${failing.length} of ${outcomes.length} targets not met`);
  return { pass: failing.length === 0, lines };
}
