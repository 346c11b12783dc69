import { describe, expect, it } from 'vitest';
import { percentile } from '../lib/load.js';
import { halfLoadRows, markdownReport, markdownTable, MARKERS, replaceGenerated, scenarioRows, textTable } from '../lib/report.js';
import { median, medianRound, ratio } from '../lib/results.js';
import { evaluateTargets } from '../lib/targets.js';
import { figure, halfLoad, passingRun, scenario } from './fixtures.js';

describe('scenario tables', () => {
  it('show rate, latencies, errors and the ratios against the ceiling and the peer', () => {
    const rows = scenarioRows(scenario('plain-introspect', { embedded: figure(9000, 12.34), peer: figure(3000, 30) }));
    expect(rows[0]).toEqual(['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', '× ceiling', '× peer', 'server CPU µs/req', 'heap KB/req']);
    expect(rows[1]).toEqual(['stack, embedded', '9 000', '6.2', '12.3', '0', '', '3.00×', '111', '']);
    expect(rows[2]).toEqual(['node-oidc-provider', '3 000', '15.0', '30.0', '0', '', '', '333', '']);
  });

  it('put heap allocation beside CPU, and the services\' CPU where a figure was charged with them', () => {
    const rows = scenarioRows(
      scenario('plain-introspect', {
        embedded: { ...figure(9000), serverAllocBytesPerUnit: 31_425 },
        scaled: { ...figure(4000), serverAllocBytesPerUnit: 41_282, serviceCpuUsPerUnit: { PostgreSQL: 351.7, Redis: 5 } },
      }),
    );
    expect(rows[0]?.slice(-4)).toEqual(['server CPU µs/req', 'heap KB/req', 'PostgreSQL CPU µs/req', 'Redis CPU µs/req']);
    expect(rows[1]?.slice(-4)).toEqual(['111', '31.4', '', '']);
    expect(rows[2]?.slice(-4)).toEqual(['250', '41.3', '352', '5']);
  });

  it('show the half-load round: offered and answered rates, four percentiles, the p99 bound of the stack', () => {
    const rows = halfLoadRows(scenario('introspect', { embedded: figure(8000), ceiling: figure(10000) }, 'request', { embedded: halfLoad(4000, 3), ceiling: halfLoad(5000, 2) }));
    expect(rows?.[0]).toEqual(['target', 'offered req/s', 'answered req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'p99 bound', 'errors', 'server CPU µs/req', 'heap KB/req']);
    expect(rows?.[1]).toEqual(['ceiling (bare crypto route)', '5 000', '5 000', '0.5', '1.0', '2.0', '4.0', '', '0', '200', '12.0']);
    expect(rows?.[2]).toEqual(['stack, embedded', '4 000', '4 000', '0.8', '1.5', '3.0', '6.0', '5 ms', '0', '250', '12.0']);
    expect(halfLoadRows(scenario('introspect', { embedded: figure(8000) }))).toBeUndefined();
  });

  it('count journeys per second, and requests beside them', () => {
    const rows = scenarioRows(scenario('journey', { embedded: { ...figure(700), reqPerSec: 4200 } }, 'journey'));
    expect(rows[0]?.slice(0, 3)).toEqual(['target', 'journeys/s', 'req/s']);
    expect(rows[0]?.slice(-2)).toEqual(['server CPU µs/journey', 'heap KB/journey']);
    expect(rows[1]?.slice(0, 3)).toEqual(['stack, embedded', '700', '4 200']);
  });

  it('list a target that did not run, with the reason', () => {
    const rows = scenarioRows({ ...scenario('session-init', { ceiling: figure(5000) }), skipped: { scaled: 'Redis does not answer' } });
    expect(rows.at(-1)?.[0]).toBe('stack, scaled');
    expect(rows.at(-1)?.[1]).toBe('not run: Redis does not answer');
  });

  it('align in text: first column left, the others right', () => {
    expect(textTable([['a', 'n'], ['long name', '1'], ['b', '100']])).toBe(['a            n', '---------  ---', 'long name    1', 'b          100'].join('\n'));
  });

  it('render in Markdown with right-aligned numbers and escaped pipes', () => {
    expect(markdownTable([['a', 'n'], ['x|y', '1']])).toBe(['| a | n |', '| :--- | ---: |', '| x\\|y | 1 |'].join('\n'));
  });
});

describe('BENCHMARKS.md', () => {
  it('keeps the hand-written text around the generated part and replaces only that part', () => {
    const generated = markdownReport(passingRun(), evaluateTargets(passingRun()));
    const first = replaceGenerated('# Benchmarks\n\nHow to read this.\n', generated);
    expect(first.startsWith('# Benchmarks\n\nHow to read this.\n\n' + MARKERS.start)).toBe(true);
    const second = replaceGenerated(first.replace('How to read this.', 'Edited by hand.') + '\n## Profiles\n', `${MARKERS.start}\nnew figures\n${MARKERS.end}`);
    expect(second).toContain('Edited by hand.');
    expect(second).toContain('new figures');
    expect(second).not.toContain('### Targets');
    expect(second.trimEnd().endsWith('## Profiles')).toBe(true);
  });

  it('names the machine, the settings and every target in the generated part', () => {
    const text = markdownReport(passingRun(), evaluateTargets(passingRun()));
    expect(text).toContain('Test CPU, 2 cores');
    expect(text).toContain('Node v20.0.0');
    expect(text).toContain('50 connections, 3 round(s) of 8 s');
    expect(text).toContain('| Full journeys (embedded) ≥ 700 per second | 800 journeys/s | met |');
    expect(text).toContain('At half load (open loop, 10 s');
    expect(text).toContain('| stack, scaled | 650 | 650 | 4.8 | 9.5 | 19.0 | 38.0 | 20 ms | 0 | 1 538 | 12.0 |');
  });

  it('shows the chart above the targets when given its path (bench/results/latest.md)', () => {
    expect(markdownReport(passingRun(), evaluateTargets(passingRun()), undefined, 'latest.svg')).toContain('](latest.svg)\n\n| target | measured | result |');
  });
});

describe('statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBe(0);
  });

  it('takes ratios round by round, so a machine that slows down mid-run moves both sides alike', () => {
    // The machine ran at half speed in round 2: both sides halved, their ratio did not move.
    const stack = { ...figure(800), rounds: [800, 400, 820] };
    const ceiling = { ...figure(1000), rounds: [1000, 500, 1000] };
    expect(ratio(stack, ceiling)).toBeCloseTo(0.8, 5);
    // Without matching rounds, the ratio of the two figures.
    expect(ratio({ ...figure(800), rounds: [800] }, ceiling)).toBe(0.8);
    expect(ratio(undefined, ceiling)).toBeUndefined();
  });

  it('takes the median of an odd or an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('keeps the median round, its rates and the errors of every round', () => {
    const kept = medianRound([figure(300, 9, 1), figure(100, 30), figure(200, 12)]);
    expect(kept.unitsPerSec).toBe(200);
    expect(kept.p99Ms).toBe(12);
    expect(kept.rounds).toEqual([300, 100, 200]);
    expect(kept.errorsAllRounds).toBe(1);
  });
});
