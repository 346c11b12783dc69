/**
 * The cache in front of the client directory: positive answers kept for a while, negative
 * ones never, and one lookup shared by every concurrent caller of an id not cached.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { cachedClientDirectory } from '../../src/sidecar/client-directory.js';
import { StoreUnavailableError } from '../../src/stores/index.js';

/** One turn of the event loop: every microtask queued so far has run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A lookup that answers only when told to, counting the calls per id. */
function heldLookup() {
  const calls = new Map<string, number>();
  const waiting: Array<{ id: string; settle: (answer: boolean | Error) => void }> = [];
  const lookup = (id: string): Promise<boolean> => {
    calls.set(id, (calls.get(id) ?? 0) + 1);
    return new Promise<boolean>((resolve, reject) => {
      waiting.push({ id, settle: (answer) => (answer instanceof Error ? reject(answer) : resolve(answer)) });
    });
  };
  /** Let pending lookups start, settle every one in flight with `answer`, then let the callers run. */
  const answerAll = async (answer: boolean | Error): Promise<void> => {
    await turn();
    for (const { settle } of waiting.splice(0)) settle(answer);
    await turn();
  };
  return { lookup, calls, answerAll, inFlight: () => waiting.length };
}

describe('cached client directory', () => {
  it('asks once for many concurrent calls about an id not cached, and gives each the answer', async () => {
    const held = heldLookup();
    const directory = cachedClientDirectory(held.lookup);
    const answers = Promise.all(Array.from({ length: 50 }, () => directory.isActive('dev-client')));
    await turn();
    expect(held.inFlight()).toBe(1);
    await held.answerAll(true);
    expect(await answers).toEqual(Array.from({ length: 50 }, () => true));
    expect(held.calls.get('dev-client')).toBe(1);
  });

  it('asks separately for different ids', async () => {
    const held = heldLookup();
    const directory = cachedClientDirectory(held.lookup);
    const answers = Promise.all([directory.isActive('a'), directory.isActive('b'), directory.isActive('a')]);
    await turn();
    expect(held.inFlight()).toBe(2);
    await held.answerAll(true);
    await answers;
    expect(Object.fromEntries(held.calls)).toEqual({ a: 1, b: 1 });
  });

  it('keeps a positive answer for ttlMs, then asks again once for everyone waiting', async () => {
    const clock = new ManualClock(0);
    const held = heldLookup();
    const directory = cachedClientDirectory(held.lookup, { clock, ttlMs: 30_000 });
    const first = directory.isActive('dev-client');
    await held.answerAll(true);
    expect(await first).toBe(true);
    clock.advance(29_999);
    expect(await directory.isActive('dev-client')).toBe(true);
    expect(held.calls.get('dev-client')).toBe(1);

    clock.advance(2);
    const later = Promise.all(Array.from({ length: 10 }, () => directory.isActive('dev-client')));
    await turn();
    await held.answerAll(false);
    expect(await later).toEqual(Array.from({ length: 10 }, () => false));
    expect(held.calls.get('dev-client')).toBe(2);
  });

  it('does not keep a negative answer: the next call asks again', async () => {
    const held = heldLookup();
    const directory = cachedClientDirectory(held.lookup);
    const first = directory.isActive('nobody');
    await held.answerAll(false);
    expect(await first).toBe(false);
    const second = directory.isActive('nobody');
    await turn();
    expect(held.inFlight()).toBe(1);
    await held.answerAll(true);
    expect(await second).toBe(true);
    expect(held.calls.get('nobody')).toBe(2);
  });

  it('gives a failed lookup to every caller waiting on it, and asks afresh on the next call', async () => {
    const held = heldLookup();
    const directory = cachedClientDirectory(held.lookup);
    const failed = Promise.allSettled([directory.isActive('dev-client'), directory.isActive('dev-client')]);
    await turn();
    await held.answerAll(new StoreUnavailableError('client directory did not answer'));
    for (const outcome of await failed) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
    const next = directory.isActive('dev-client');
    await turn();
    await held.answerAll(true);
    expect(await next).toBe(true);
    expect(held.calls.get('dev-client')).toBe(2);
  });

  it('is not stuck on a lookup that throws before returning a promise', async () => {
    let calls = 0;
    const directory = cachedClientDirectory((id) => {
      calls++;
      if (calls === 1) throw new StoreUnavailableError(`no answer for ${id}`);
      return Promise.resolve(true);
    });
    await expect(directory.isActive('dev-client')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await directory.isActive('dev-client')).toBe(true);
    expect(calls).toBe(2);
  });
});
