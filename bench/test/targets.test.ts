import { describe, expect, it } from 'vitest';
import { checkReport, evaluateTargets, halfLoadBoundMs, journeyCeiling } from '../lib/targets.js';
import { figure, halfLoad, passingRun, run, scenario, SCENARIO_INDEX as AT } from './fixtures.js';

function statusOf(id: string, results = passingRun()): string | undefined {
  return evaluateTargets(results).find((o) => o.id === id)?.status;
}

describe('--check evaluation of the targets', () => {
  it('passes a run that meets every target, and says so', () => {
    const { pass, lines } = checkReport(evaluateTargets(passingRun()));
    expect(pass).toBe(true);
    expect(lines.at(-1)).toMatch(/^all \d+ targets met$/);
  });

  it('measures session init against the ceiling: 0.85 embedded, 0.7 with Redis', () => {
    const results = passingRun();
    results.scenarios[AT['session-init']] = scenario('session-init', { ceiling: figure(5000), embedded: figure(4249), scaled: figure(3500) });
    expect(statusOf('init-embedded', results)).toBe('missed');
    expect(statusOf('init-redis', results)).toBe('met');
    const outcome = evaluateTargets(results).find((o) => o.id === 'init-embedded');
    expect(outcome).toMatchObject({ measured: '0.85 (4 249 req/s / 5 000 req/s)', bound: 0.85, direction: 'at least' });
  });

  it('counts a ratio exactly at its bound as met', () => {
    const results = passingRun();
    results.scenarios[AT['session-init']] = scenario('session-init', { ceiling: figure(5000), embedded: figure(4250), scaled: figure(3500) });
    expect(statusOf('init-embedded', results)).toBe('met');
  });

  it('compares plaintext introspection and issue with the peer: 1.5× embedded, 1.0× scaled, issue 1.0×', () => {
    const results = passingRun();
    results.scenarios[AT['plain-introspect']] = scenario('plain-introspect', { embedded: figure(4400), scaled: figure(2999), peer: figure(3000) });
    results.scenarios[AT['plain-issue']] = scenario('plain-issue', { embedded: figure(2500), peer: figure(2500) });
    expect(statusOf('plain-introspect-peer', results)).toBe('missed');
    expect(statusOf('plain-introspect-scaled-peer', results)).toBe('missed');
    expect(statusOf('plain-issue-peer', results)).toBe('met');
    results.scenarios[AT['plain-introspect']] = scenario('plain-introspect', { embedded: figure(4500), scaled: figure(3000), peer: figure(3000) });
    expect(statusOf('plain-introspect-peer', results)).toBe('met');
    expect(statusOf('plain-introspect-scaled-peer', results)).toBe('met');
  });

  it('needs 700 journeys per second embedded and 350 scaled', () => {
    const results = passingRun();
    results.scenarios[AT.journey] = scenario('journey', { embedded: figure(699), scaled: figure(350) }, 'journey');
    const outcome = evaluateTargets(results).find((o) => o.id === 'journeys-embedded');
    expect(outcome).toMatchObject({ status: 'missed', measured: '699 journeys/s', value: 699, bound: 700 });
    expect(statusOf('journeys-scaled', results)).toBe('met');
    results.scenarios[AT.journey] = scenario('journey', { embedded: figure(700), scaled: figure(349) }, 'journey');
    expect(statusOf('journeys-embedded', results)).toBe('met');
    expect(statusOf('journeys-scaled', results)).toBe('missed');
  });

  it('needs issue and refresh through the scaled sidecar at 0.6× the embedded rate', () => {
    const results = passingRun();
    results.scenarios[AT.issue] = scenario('issue', { embedded: figure(2000), scaled: figure(1199) });
    results.scenarios[AT.refresh] = scenario('refresh', { embedded: figure(2000), scaled: figure(1200) });
    expect(statusOf('issue-scaled', results)).toBe('missed');
    expect(statusOf('refresh-scaled', results)).toBe('met');
    expect(evaluateTargets(results).find((o) => o.id === 'issue-scaled')?.measured).toBe('0.60 (1 199 req/s / 2 000 req/s)');
  });

  it('bounds journeys by the ceiling routes of their six requests, and says so', () => {
    const results = passingRun();
    results.scenarios[AT.issue] = scenario('issue', { ceiling: figure(4000) });
    results.scenarios[AT.refresh] = scenario('refresh', { ceiling: figure(4000) });
    // Two inits at 5 000/s (0.4 ms), issue and refresh at 4 000/s (0.5 ms), two at 10 000/s (0.2 ms): 1.1 ms.
    expect(journeyCeiling(results)).toBeCloseTo(1 / 0.0011, 6);
    results.scenarios[AT.journey] = scenario('journey', { embedded: figure(600) }, 'journey');
    expect(evaluateTargets(results).find((o) => o.id === 'journeys-embedded')?.measured).toBe('600 journeys/s; the ceiling routes allow at most 909/s');
    // Without every ceiling, no bound is claimed.
    expect(journeyCeiling(passingRun())).toBeUndefined();
  });

  it('bounds p99 at half load: 5 ms for init and introspection, 10 ms for issue and refresh, twice that scaled', () => {
    expect(halfLoadBoundMs('session-init', 'embedded')).toBe(5);
    expect(halfLoadBoundMs('introspect', 'scaled')).toBe(10);
    expect(halfLoadBoundMs('plain-introspect', 'embedded')).toBe(5);
    expect(halfLoadBoundMs('issue', 'embedded')).toBe(10);
    expect(halfLoadBoundMs('refresh', 'scaled')).toBe(20);
    // No bound on the baselines, nor on journeys and plaintext issue.
    expect(halfLoadBoundMs('plain-introspect', 'peer')).toBeUndefined();
    expect(halfLoadBoundMs('journey', 'embedded')).toBeUndefined();
    expect(halfLoadBoundMs('plain-issue', 'embedded')).toBeUndefined();
  });

  it('judges the half-load p99 of each stack figure, a value at its bound being met', () => {
    const results = passingRun();
    results.scenarios[AT.introspect] = scenario(
      'introspect',
      { ceiling: figure(10000), embedded: figure(8000), scaled: figure(5000) },
      'request',
      { ceiling: halfLoad(5000, 50), embedded: halfLoad(4000, 5.1), scaled: halfLoad(2500, 10) },
    );
    const outcomes = evaluateTargets(results);
    expect(outcomes.find((o) => o.id === 'half-load-p99-introspect-embedded')).toMatchObject({
      status: 'missed',
      text: 'p99 ≤ 5 ms at half load: title of introspect (embedded)',
      measured: '5.1 ms at 4 000 req/s offered (p50 / p90 / p99 / p99.9: 1.3 / 2.5 / 5.1 / 10.2 ms)',
      value: 5.1,
      bound: 5,
      direction: 'at most',
    });
    expect(outcomes.find((o) => o.id === 'half-load-p99-introspect-scaled')?.status).toBe('met');
    expect(outcomes.some((o) => o.id.includes('ceiling'))).toBe(false);
  });

  it('does not count a half-load round with failed answers, and reports a missing one as not measured', () => {
    const results = passingRun();
    results.scenarios[AT.refresh] = scenario('refresh', { embedded: figure(2000), scaled: figure(1200) }, 'request', { embedded: halfLoad(1000, 2, 4) });
    const outcomes = evaluateTargets(results);
    expect(outcomes.find((o) => o.id === 'half-load-p99-refresh-embedded')).toMatchObject({ status: 'missed' });
    expect(outcomes.find((o) => o.id === 'half-load-p99-refresh-embedded')?.measured).toContain('with 4 failed answers');
    expect(outcomes.find((o) => o.id === 'half-load-p99-refresh-scaled')).toMatchObject({ status: 'not measured', measured: 'the half-load round failed' });
    results.scenarios[AT.refresh] = scenario('refresh', { embedded: figure(2000), scaled: figure(1200) });
    expect(evaluateTargets(results).find((o) => o.id === 'half-load-p99-refresh-scaled')).toMatchObject({ status: 'not measured', measured: 'no half-load round in this run' });
  });

  it('does not count a figure with failed answers as meeting its target', () => {
    const results = passingRun();
    results.scenarios[AT['session-init']] = scenario('session-init', { ceiling: figure(5000), embedded: figure(4900, 10, 3), scaled: figure(4000) }, 'request', passingRun().scenarios[0]?.halfLoad);
    const outcome = evaluateTargets(results).find((o) => o.id === 'init-embedded');
    expect(outcome?.status).toBe('missed');
    expect(outcome?.measured).toContain('with 3 failed answers');
  });

  it('reports a target whose figures are missing as not measured, with the reason, and fails the check', () => {
    const results = passingRun();
    results.scenarios[AT['session-init']] = { ...scenario('session-init', { ceiling: figure(5000), embedded: figure(4500) }), skipped: { scaled: 'Redis at redis://x does not answer' } };
    const outcomes = evaluateTargets(results);
    expect(outcomes.find((o) => o.id === 'init-redis')).toMatchObject({ status: 'not measured', measured: 'scaled: Redis at redis://x does not answer' });
    const { pass, lines } = checkReport(outcomes);
    expect(pass).toBe(false);
    expect(lines).toContain('NOT MEASURED  Session init (Redis) ≥ 0.7 × the ECDH + HKDF ceiling: scaled: Redis at redis://x does not answer');
  });

  it('names every missed target in the check output', () => {
    const results = passingRun();
    results.scenarios[AT.journey] = scenario('journey', { embedded: figure(500, 25), scaled: figure(400) }, 'journey');
    results.scenarios[AT['plain-introspect']] = scenario(
      'plain-introspect',
      { embedded: figure(9000), scaled: figure(4000), peer: figure(3000) },
      'request',
      { embedded: halfLoad(4500, 7.25), scaled: halfLoad(2000, 4) },
    );
    const { pass, lines } = checkReport(evaluateTargets(results));
    expect(pass).toBe(false);
    expect(lines.filter((l) => l.startsWith('MISSED'))).toEqual([
      'MISSED  Full journeys (embedded) ≥ 700 per second: 500 journeys/s',
      'MISSED  p99 ≤ 5 ms at half load: title of plain-introspect (embedded): 7.3 ms at 4 500 req/s offered (p50 / p90 / p99 / p99.9: 1.8 / 3.6 / 7.3 / 14.5 ms)',
    ]);
  });

  it('does not judge figures taken at another concurrency', () => {
    const outcomes = evaluateTargets(run(passingRun().scenarios, 16));
    expect(outcomes.every((o) => o.status === 'not measured')).toBe(true);
  });
});
