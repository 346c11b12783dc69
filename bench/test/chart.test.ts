import { describe, expect, it } from 'vitest';
import { escapeXml, score, svgChart } from '../lib/chart.js';
import { evaluateTargets } from '../lib/targets.js';
import { figure, halfLoad, passingRun, scenario, SCENARIO_INDEX as AT } from './fixtures.js';

/** Every opened element is closed, in order (the SVG is well formed as far as nesting goes). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing === '/') continue;
    if (closing === '/') {
      if (stack.pop() !== name) return false;
    } else stack.push(name as string);
  }
  return stack.length === 0;
}

function chartOf(results = passingRun()): string {
  return svgChart(results, evaluateTargets(results));
}

describe('the SVG chart', () => {
  it('is a standalone, well-nested SVG document naming the run', () => {
    const svg = chartOf();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('full run of 2026-01-02 03:04 UTC, Test CPU (2 cores), Node v20.0.0');
  });

  it('draws one bar per measured target, coloured by its outcome, and reaching the line at 1 when met', () => {
    const results = passingRun();
    results.scenarios[AT.journey] = scenario('journey', { embedded: figure(350), scaled: figure(400) }, 'journey');
    const outcomes = evaluateTargets(results);
    const svg = svgChart(results, outcomes);
    const bars = [...svg.matchAll(/<rect class="bar (met|missed)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)];
    expect(bars).toHaveLength(outcomes.length);
    expect(bars.filter((b) => b[1] === 'missed')).toHaveLength(1);
    // Half the journeys asked for: the missed bar is half as long as a bar exactly at its bound.
    const missed = bars.find((b) => b[1] === 'missed')!;
    const unit = [...svg.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#555" stroke-width="2"\/>/g)][0]!;
    const lineAtOne = Number(unit[1]) - Number(missed[2]);
    expect(Number(missed[3]) / lineAtOne).toBeCloseTo(0.5, 2);
    expect(svg).toContain('350 (≥ 700)');
    expect(svg).toContain('0.90 (≥ 0.85)');
    for (const outcome of outcomes.filter((o) => o.status === 'met')) expect(score(outcome)).toBeGreaterThanOrEqual(1);
  });

  it('scores a latency bound as bound over p99, so that meeting it also reaches 1', () => {
    expect(score({ id: 'x', text: 'x', status: 'met', measured: '', value: 2.5, bound: 5, direction: 'at most' })).toBe(2);
    expect(score({ id: 'x', text: 'x', status: 'missed', measured: '', value: 10, bound: 5, direction: 'at most' })).toBe(0.5);
    expect(score({ id: 'x', text: 'x', status: 'met', measured: '', value: 1.2, bound: 0.85, direction: 'at least' })).toBeCloseTo(1.2 / 0.85, 6);
    expect(score({ id: 'x', text: 'x', status: 'not measured', measured: 'scenario not run' })).toBeUndefined();
  });

  it('lists targets that were not measured as such, without a bar', () => {
    const results = passingRun();
    results.scenarios.splice(AT.journey, 1);
    const svg = chartOf(results);
    expect(svg).toContain('Full journeys (embedded) ≥ 700 per second</text>');
    expect(svg).toContain('>not measured</text>');
  });

  it('plots the half-load percentiles of every target that had a round, with the p99 bound of the stack ones', () => {
    const results = passingRun();
    const svg = chartOf(results);
    const rows = results.scenarios.reduce((n, s) => n + Object.keys(s.halfLoad ?? {}).length, 0);
    expect([...svg.matchAll(/<g class="latency">/g)]).toHaveLength(rows);
    expect([...svg.matchAll(/<path class="p99"/g)]).toHaveLength(rows);
    // The peer has a round but no bound; every stack round has one.
    expect([...svg.matchAll(/class="bound"/g)]).toHaveLength(rows - 1);
    expect(svg).toContain('title of plain-introspect · node-oidc-provider');
    expect(svg).toContain('p50 0.50, p90 1.00, p99 2.00, p99.9 4.00 ms at 4500 req/s offered');
  });

  it('puts a slower p99 further right on the latency axis', () => {
    const results = passingRun();
    results.scenarios = [scenario('introspect', { embedded: figure(8000), scaled: figure(5000) }, 'request', { embedded: halfLoad(4000, 2), scaled: halfLoad(2500, 20) })];
    const xs = [...chartOf(results).matchAll(/<path class="p99" d="M([\d.]+) /g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(2);
    expect(xs[1]! - xs[0]!).toBeGreaterThan(100);
  });

  it('says so when the run had no half-load round', () => {
    const results = passingRun();
    for (const s of results.scenarios) delete s.halfLoad;
    expect(chartOf(results)).toContain('no half-load round in this run');
  });

  it('escapes text, so a title cannot break the document', () => {
    expect(escapeXml('a < b & "c" > d')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
    const results = passingRun();
    results.scenarios[AT.introspect]!.title = 'Introspection <fast> & "sealed"';
    const svg = chartOf(results);
    expect(svg).toContain('Introspection &lt;fast&gt; &amp; &quot;sealed&quot;');
    expect(balanced(svg)).toBe(true);
  });
});
