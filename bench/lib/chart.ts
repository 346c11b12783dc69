/**
 * The run's picture, as a standalone SVG written by hand (no chart library): first each
 * target's measured value over its bound, drawn so that a bar reaching the line at 1 meets
 * it (for a latency bound, the bound over the p99); then, per scenario and target, the
 * latency percentiles of the half-load round on a logarithmic axis, beside the p99 bound.
 * Pure: a function of the results and the target outcomes.
 */
import type { LoadFigure } from './load.js';
import type { RunResults } from './results.js';
import { halfLoadBoundMs, type TargetOutcome } from './targets.js';
import { TARGET_LABELS } from './report.js';
import type { TargetKind } from '../scenarios/types.js';

const WIDTH = 1100;
const LABEL_WIDTH = 560;
const PLOT_LEFT = LABEL_WIDTH + 20;
const PLOT_WIDTH = WIDTH - PLOT_LEFT - 80;
const ROW = 20;
const COLOURS = { met: '#2e7d32', missed: '#c62828', 'not measured': '#9e9e9e', axis: '#555', grid: '#ddd', bound: '#c62828' } as const;
/** Bars longer than this many times their bound are cut, with the figure written beside. */
const MAX_SCORE = 3;
const LABEL_CHARS = 95;

/** Text made safe for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function shorten(text: string): string {
  return text.length <= LABEL_CHARS ? text : `${text.slice(0, LABEL_CHARS - 1)}…`;
}

function num(value: number): string {
  return Number(value.toFixed(1)).toString();
}

/** How far a measured value is towards its bound: ≥ 1 meets it, whichever side the bound is on. */
export function score(outcome: TargetOutcome): number | undefined {
  const { value, bound, direction } = outcome;
  if (value === undefined || bound === undefined || direction === undefined || bound <= 0) return undefined;
  if (direction === 'at least') return value / bound;
  return value > 0 ? bound / value : MAX_SCORE;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" ${attrs}/>`;
}

function valueText(outcome: TargetOutcome): string {
  const { value, bound, direction } = outcome;
  if (value === undefined || bound === undefined) return '';
  // Latencies in ms, rates (bounds of 10 and more) whole, ratios with two decimals.
  const fmt = (v: number): string => (direction === 'at most' ? `${v.toFixed(1)} ms` : bound >= 10 ? Math.round(v).toString() : v.toFixed(2));
  return `${fmt(value)} (${direction === 'at most' ? '≤' : '≥'} ${fmt(bound)})`;
}

/** The targets panel; returns its SVG elements and its height. */
function targetsPanel(outcomes: readonly TargetOutcome[], top: number): { parts: string[]; height: number } {
  const parts: string[] = [text(20, top + 16, 'Targets: measured value over its bound (a bar reaching 1 meets it; latency bounds: bound over p99)', 'font-weight="bold"')];
  const first = top + 30;
  const x = (s: number): number => PLOT_LEFT + (Math.min(s, MAX_SCORE) / MAX_SCORE) * PLOT_WIDTH;
  const bottom = first + outcomes.length * ROW;
  for (let s = 0; s <= MAX_SCORE; s += 0.5) {
    parts.push(line(x(s), first - 4, x(s), bottom, `stroke="${s === 1 ? COLOURS.axis : COLOURS.grid}"${s === 1 ? ' stroke-width="2"' : ''}`));
    parts.push(text(x(s), bottom + 14, `${s}`, 'text-anchor="middle" font-size="10"'));
  }
  outcomes.forEach((outcome, i) => {
    const y = first + i * ROW;
    parts.push(`<g><title>${escapeXml(`${outcome.text}: ${outcome.measured} (${outcome.status})`)}</title>`);
    parts.push(text(20, y + 13, shorten(outcome.text), `font-size="11" fill="${outcome.status === 'not measured' ? COLOURS['not measured'] : '#000'}"`));
    const s = score(outcome);
    if (s === undefined || outcome.status === 'not measured') {
      parts.push(text(PLOT_LEFT + 4, y + 13, 'not measured', `font-size="11" fill="${COLOURS['not measured']}"`));
    } else {
      const width = Math.max(1, x(s) - PLOT_LEFT);
      parts.push(`<rect class="bar ${outcome.status}" x="${num(PLOT_LEFT)}" y="${num(y + 3)}" width="${num(width)}" height="${ROW - 6}" fill="${COLOURS[outcome.status]}"/>`);
      parts.push(text(PLOT_LEFT + width + 4, y + 13, `${s > MAX_SCORE ? '» ' : ''}${valueText(outcome)}`, 'font-size="10"'));
    }
    parts.push('</g>');
  });
  return { parts, height: bottom + 24 - top };
}

interface LatencyRow {
  label: string;
  figure: LoadFigure;
  bound?: number;
}

/** The half-load latency panel; returns its SVG elements and its height. */
function latencyPanel(rows: readonly LatencyRow[], top: number): { parts: string[]; height: number } {
  const parts: string[] = [text(20, top + 16, 'Latency at half load (open loop, from the scheduled send time), logarithmic: p50 ● p90 ▪ p99 ◆ p99.9 ×; bound |', 'font-weight="bold"')];
  if (rows.length === 0) {
    parts.push(text(20, top + 40, 'no half-load round in this run', `font-size="11" fill="${COLOURS['not measured']}"`));
    return { parts, height: 56 };
  }
  const values = rows.flatMap((r) => [r.figure.p50Ms, r.figure.p999Ms ?? r.figure.p99Ms, r.bound ?? 1]).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (ms: number): number => PLOT_LEFT + ((Math.log10(Math.min(hi, Math.max(lo, ms))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PLOT_WIDTH;
  const first = top + 30;
  const bottom = first + rows.length * ROW;
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    parts.push(line(x(decade), first - 4, x(decade), bottom, `stroke="${COLOURS.grid}"`));
    parts.push(text(x(decade), bottom + 14, `${decade >= 1 ? Math.round(decade) : decade.toPrecision(1)} ms`, 'text-anchor="middle" font-size="10"'));
  }
  rows.forEach((row, i) => {
    const y = first + i * ROW + ROW / 2;
    const f = row.figure;
    const met = row.bound === undefined ? undefined : f.p99Ms <= row.bound && f.errors === 0;
    const colour = met === undefined ? COLOURS.axis : met ? COLOURS.met : COLOURS.missed;
    parts.push(`<g class="latency"><title>${escapeXml(`${row.label}: p50 ${f.p50Ms.toFixed(2)}, p90 ${(f.p90Ms ?? NaN).toFixed(2)}, p99 ${f.p99Ms.toFixed(2)}, p99.9 ${(f.p999Ms ?? NaN).toFixed(2)} ms at ${Math.round(f.offeredPerSec ?? f.reqPerSec)} req/s offered`)}</title>`);
    parts.push(text(20, y + 4, row.label, 'font-size="11"'));
    parts.push(line(x(f.p50Ms), y, x(f.p999Ms ?? f.p99Ms), y, `stroke="${colour}" stroke-width="2"`));
    parts.push(`<circle cx="${num(x(f.p50Ms))}" cy="${num(y)}" r="4" fill="${colour}"/>`);
    if (f.p90Ms !== undefined) parts.push(`<rect x="${num(x(f.p90Ms) - 3)}" y="${num(y - 3)}" width="6" height="6" fill="${colour}"/>`);
    const px = x(f.p99Ms);
    parts.push(`<path class="p99" d="M${num(px)} ${num(y - 6)}L${num(px + 6)} ${num(y)}L${num(px)} ${num(y + 6)}L${num(px - 6)} ${num(y)}Z" fill="${colour}"/>`);
    if (f.p999Ms !== undefined) {
      const qx = x(f.p999Ms);
      parts.push(`<path d="M${num(qx - 4)} ${num(y - 4)}L${num(qx + 4)} ${num(y + 4)}M${num(qx - 4)} ${num(y + 4)}L${num(qx + 4)} ${num(y - 4)}" stroke="${colour}" stroke-width="2"/>`);
    }
    if (row.bound !== undefined) parts.push(line(x(row.bound), y - 9, x(row.bound), y + 9, `class="bound" stroke="${COLOURS.bound}" stroke-width="2"`));
    parts.push(text(PLOT_LEFT + PLOT_WIDTH + 6, y + 4, `p99 ${f.p99Ms.toFixed(1)}`, 'font-size="10"'));
    parts.push('</g>');
  });
  return { parts, height: bottom + 24 - top };
}

const ORDER: readonly TargetKind[] = ['ceiling', 'embedded', 'scaled', 'peer'];

/** The whole chart of a run. */
export function svgChart(results: RunResults, outcomes: readonly TargetOutcome[]): string {
  const m = results.machine;
  const title = `${results.settings.mode} run of ${results.date.slice(0, 16).replace('T', ' ')} UTC, ${m.cpuModel} (${m.cores} cores), Node ${m.node}`;
  const top = 40;
  const targets = targetsPanel(outcomes, top);
  const rows: LatencyRow[] = [];
  for (const scenario of results.scenarios) {
    for (const target of ORDER) {
      const figure = scenario.halfLoad?.[target];
      if (figure === undefined) continue;
      const bound = halfLoadBoundMs(scenario.id, target);
      rows.push({ label: `${scenario.title} · ${TARGET_LABELS[target]}`, figure, ...(bound !== undefined ? { bound } : {}) });
    }
  }
  const latency = latencyPanel(rows, top + targets.height + 10);
  const height = top + targets.height + 10 + latency.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${num(height)}" fill="#fff"/>`,
    text(20, 24, `Benchmarks: ${title}`, 'font-size="14" font-weight="bold"'),
    ...targets.parts,
    ...latency.parts,
    '</svg>',
    '',
  ].join('\n');
}
