import { describe, expect, it } from 'vitest';
import { checkReport, evaluateTargets, journeyCeiling, meanLatencyFloorMs } from '../lib/targets.js';
import { figure, passingRun, run, scenario } from './fixtures.js';

function statusOf(id: string, results = passingRun()): string | undefined {
  return evaluateTargets(results).find((o) => o.id === id)?.status;
}

describe('--check evaluation of the targets', () => {
  it('passes a run that meets every target, and says so', () => {
    const { pass, lines } = checkReport(evaluateTargets(passingRun()));
    expect(pass).toBe(true);
    expect(lines.at(-1)).toMatch(/^all \d+ targets met$/);
  });

  it('measures session init against the ceiling: 0.8 embedded, 0.7 with Redis', () => {
    const results = passingRun();
    results.scenarios[0] = scenario('session-init', { ceiling: figure(5000), embedded: figure(3999), scaled: figure(3500) });
    expect(statusOf('init-embedded', results)).toBe('missed');
    expect(statusOf('init-redis', results)).toBe('met');
    const outcome = evaluateTargets(results).find((o) => o.id === 'init-embedded');
    expect(outcome?.measured).toBe('0.80 (3 999 req/s / 5 000 req/s)');
  });

  it('counts a ratio exactly at its bound as met', () => {
    const results = passingRun();
    results.scenarios[0] = scenario('session-init', { ceiling: figure(5000), embedded: figure(4000), scaled: figure(3500) });
    expect(statusOf('init-embedded', results)).toBe('met');
  });

  it('compares plaintext introspection and issue with the peer', () => {
    const results = passingRun();
    results.scenarios[3] = scenario('plain-introspect', { embedded: figure(4400), peer: figure(3000) });
    results.scenarios[4] = scenario('plain-issue', { embedded: figure(2500), peer: figure(2500) });
    expect(statusOf('plain-introspect-peer', results)).toBe('missed');
    expect(statusOf('plain-issue-peer', results)).toBe('met');
  });

  it('needs 700 journeys per second embedded', () => {
    const results = passingRun();
    results.scenarios[2] = scenario('journey', { embedded: figure(699) }, 'journey');
    const outcome = evaluateTargets(results).find((o) => o.id === 'journeys-embedded');
    expect(outcome).toMatchObject({ status: 'missed', measured: '699 journeys/s' });
  });

  it('bounds journeys by the ceiling routes of their six requests, and says so', () => {
    const results = passingRun();
    results.scenarios.push(
      scenario('issue', { ceiling: figure(4000) }),
      scenario('refresh', { ceiling: figure(4000) }),
    );
    // Two inits at 5 000/s (0.4 ms), issue and refresh at 4 000/s (0.5 ms), two at 10 000/s (0.2 ms): 1.1 ms.
    expect(journeyCeiling(results)).toBeCloseTo(1 / 0.0011, 6);
    results.scenarios[2] = scenario('journey', { embedded: figure(600) }, 'journey');
    expect(evaluateTargets(results).find((o) => o.id === 'journeys-embedded')?.measured).toBe('600 journeys/s; the ceiling routes allow at most 909/s');
    // Without every ceiling, no bound is claimed.
    expect(journeyCeiling(passingRun())).toBeUndefined();
  });

  it('states the mean latency that the rate alone imposes (Little\'s law)', () => {
    expect(meanLatencyFloorMs(50, 2500)).toBe(20);
    expect(meanLatencyFloorMs(50, 0)).toBe(Infinity);
    const results = passingRun();
    results.scenarios[0] = scenario('session-init', { ceiling: figure(2000), embedded: figure(1600, 45), scaled: figure(1500) });
    expect(evaluateTargets(results).find((o) => o.id === 'p99-session-init-embedded')?.measured).toBe(
      '45.0 ms at 50 connections (mean ≥ 31.3 ms at this rate, 25.0 ms at the ceiling\'s)',
    );
  });

  it('bounds p99 at 20 ms for every figure of the stack, and not for the baselines', () => {
    const results = passingRun();
    results.scenarios[1] = scenario('introspect', { ceiling: figure(10000, 50), embedded: figure(8000, 20.1), scaled: figure(5000, 20) });
    const outcomes = evaluateTargets(results);
    expect(outcomes.find((o) => o.id === 'p99-introspect-embedded')?.status).toBe('missed');
    expect(outcomes.find((o) => o.id === 'p99-introspect-scaled')?.status).toBe('met');
    expect(outcomes.some((o) => o.id.includes('ceiling'))).toBe(false);
  });

  it('does not count a figure with failed answers as meeting its target', () => {
    const results = passingRun();
    results.scenarios[0] = scenario('session-init', { ceiling: figure(5000), embedded: figure(4900, 10, 3), scaled: figure(4000) });
    const outcome = evaluateTargets(results).find((o) => o.id === 'init-embedded');
    expect(outcome?.status).toBe('missed');
    expect(outcome?.measured).toContain('with 3 failed answers');
  });

  it('reports a target whose figures are missing as not measured, with the reason, and fails the check', () => {
    const results = passingRun();
    results.scenarios[0] = { ...scenario('session-init', { ceiling: figure(5000), embedded: figure(4500) }), skipped: { scaled: 'Redis at redis://x does not answer' } };
    const outcomes = evaluateTargets(results);
    expect(outcomes.find((o) => o.id === 'init-redis')).toMatchObject({ status: 'not measured', measured: 'scaled: Redis at redis://x does not answer' });
    const { pass, lines } = checkReport(outcomes);
    expect(pass).toBe(false);
    expect(lines).toContain('NOT MEASURED  Session init (Redis) ≥ 0.7 × the ECDH + HKDF ceiling: scaled: Redis at redis://x does not answer');
  });

  it('names every missed target in the check output', () => {
    const results = passingRun();
    results.scenarios[2] = scenario('journey', { embedded: figure(500, 25) }, 'journey');
    const { pass, lines } = checkReport(evaluateTargets(results));
    expect(pass).toBe(false);
    expect(lines.filter((l) => l.startsWith('MISSED'))).toEqual([
      'MISSED  Full journeys (embedded) ≥ 700 per second: 500 journeys/s',
      'MISSED  p99 ≤ 20 ms: title of journey (embedded): 25.0 ms at 50 connections (mean ≥ 100.0 ms at this rate)',
    ]);
  });

  it('does not judge figures taken at another concurrency', () => {
    const outcomes = evaluateTargets(run(passingRun().scenarios, 16));
    expect(outcomes.every((o) => o.status === 'not measured')).toBe(true);
  });
});
