import { describe, expect, it } from 'vitest';
import { WorkGate } from '../../src/lib/work-gate.js';

/** A piece of work that finishes when the test says so. */
function controlled(): { work: () => Promise<string>; started: () => boolean; finish: (value: string) => void; fail: (err: Error) => void } {
  let started = false;
  let resolve!: (value: string) => void;
  let reject!: (err: Error) => void;
  const done = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {
    work: () => {
      started = true;
      return done;
    },
    started: () => started,
    finish: (value) => resolve(value),
    fail: (err) => reject(err),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WorkGate', () => {
  it('runs at most `concurrency` at once and starts the next in line when one ends', async () => {
    const gate = new WorkGate(2, 10);
    const jobs = [controlled(), controlled(), controlled(), controlled()];
    const results = jobs.map((j) => gate.run(j.work) as Promise<string>);
    await tick();
    expect(jobs.map((j) => j.started())).toEqual([true, true, false, false]);
    jobs[1]!.finish('b');
    await tick();
    expect(jobs.map((j) => j.started())).toEqual([true, true, true, false]);
    jobs[0]!.finish('a');
    await tick();
    expect(jobs[3]!.started()).toBe(true);
    jobs[2]!.finish('c');
    jobs[3]!.finish('d');
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses at once, running nothing, when the line is full', async () => {
    const gate = new WorkGate(1, 2);
    const jobs = [controlled(), controlled(), controlled(), controlled()];
    const results = jobs.map((j) => gate.run(j.work));
    expect(results[3]).toBeUndefined();
    for (const j of jobs.slice(0, 3)) j.finish('ok');
    await expect(Promise.all(results.slice(0, 3) as Promise<string>[])).resolves.toEqual(['ok', 'ok', 'ok']);
    expect(jobs[3]!.started()).toBe(false);
    // With the line empty again, work is accepted.
    await expect(gate.run(() => Promise.resolve('again'))).resolves.toBe('again');
  });

  it('frees the turn of work that fails', async () => {
    const gate = new WorkGate(1, 1);
    const first = controlled();
    const second = controlled();
    const failing = gate.run(first.work);
    const next = gate.run(second.work);
    first.fail(new Error('broken'));
    await expect(failing).rejects.toThrow('broken');
    await tick();
    expect(second.started()).toBe(true);
    second.finish('fine');
    await expect(next).resolves.toBe('fine');
  });

  it('rejects nonsensical limits', () => {
    expect(() => new WorkGate(0, 1)).toThrow(RangeError);
    expect(() => new WorkGate(1, -1)).toThrow(RangeError);
  });
});
