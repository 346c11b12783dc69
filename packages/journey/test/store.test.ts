import { describe, expect, it } from 'vitest';
import { JOURNEY_ID, JourneyStore } from '../src/store.js';

class Item {
  disposed = false;
  dispose(): void {
    this.disposed = true;
  }
}

describe('JourneyStore', () => {
  it('gives a new journey under a fresh random id, and the same journey for that id again', () => {
    const store = new JourneyStore({ create: () => new Item() });
    const first = store.resolve(undefined);
    expect(first.created).toBe(true);
    expect(first.id).toMatch(JOURNEY_ID);
    const again = store.resolve(first.id);
    expect(again.created).toBe(false);
    expect(again.value).toBe(first.value);
  });

  it('never adopts an id the caller made up', () => {
    const store = new JourneyStore({ create: () => new Item() });
    const planted = 'a'.repeat(32);
    const result = store.resolve(planted);
    expect(result.created).toBe(true);
    expect(result.id).not.toBe(planted);
  });

  it('forgets and disposes of journeys idle longer than the TTL', () => {
    let now = 0;
    const store = new JourneyStore({ create: () => new Item(), ttlMs: 1000, now: () => now });
    const old = store.resolve(undefined);
    now = 1500;
    const again = store.resolve(old.id);
    expect(again.created).toBe(true);
    expect(old.value.disposed).toBe(true);
  });

  it('holds at most maxEntries, evicting the least recently used', () => {
    let now = 0;
    const store = new JourneyStore({ create: () => new Item(), maxEntries: 2, now: () => ++now });
    const a = store.resolve(undefined);
    const b = store.resolve(undefined);
    store.resolve(a.id); // a is now the most recently used
    const c = store.resolve(undefined);
    expect(store.size).toBe(2);
    expect(b.value.disposed).toBe(true);
    expect(store.resolve(a.id).created).toBe(false);
    expect(store.resolve(c.id).created).toBe(false);
  });

  it('keeps one shared journey for callers without an id, which a crowd of browsers never evicts', () => {
    const store = new JourneyStore({ create: () => new Item(), maxEntries: 2 });
    const shared = store.shared();
    for (let i = 0; i < 5; i++) store.resolve(undefined);
    expect(store.shared()).toBe(shared);
    expect(shared.disposed).toBe(false);
    store.clear();
    expect(shared.disposed).toBe(true);
    expect(store.shared()).not.toBe(shared);
  });

  it('forgets the shared journey after the idle TTL (disposing of it) and starts a new one', () => {
    let now = 0;
    const store = new JourneyStore({ create: () => new Item(), ttlMs: 1000, now: () => now });
    const shared = store.shared();
    now = 900;
    expect(store.shared()).toBe(shared); // used again: idle time starts over
    now = 1800;
    expect(store.shared()).toBe(shared);
    now = 2900;
    const fresh = store.shared();
    expect(fresh).not.toBe(shared);
    expect(shared.disposed).toBe(true);
  });
});
