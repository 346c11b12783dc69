/**
 * Journeys by browser: a bounded map from a random journey id (the cookie) to its state,
 * with an idle TTL, so two browsers never share a journey and memory stays bounded; plus
 * the one shared journey of callers without the cookie (scripts, curl), as the seed's
 * single-user app had.
 */
import { randomBytes } from 'node:crypto';

/** Anything the store may hold: it is disposed of when evicted. */
export interface Disposable {
  dispose(): void;
}

export interface JourneyStoreOptions<T> {
  /** Build the state of a new journey. */
  create: () => T;
  /** Most journeys held at once; the least recently used goes first (default 1000). */
  maxEntries?: number;
  /** Idle time after which a journey is forgotten, in ms (default 30 min). */
  ttlMs?: number;
  now?: () => number;
}

/** A journey id: 128 random bits as 32 lowercase hex characters. */
export const JOURNEY_ID = /^[0-9a-f]{32}$/;

/**
 * A bounded, TTL-limited map of journeys keyed by unguessable ids made here.
 *
 * @example
 * ```ts
 * const store = new JourneyStore({ create: () => new Journey(config, deps) });
 * const { id, value } = store.resolve(cookieValue);
 * ```
 */
export class JourneyStore<T extends Disposable> {
  readonly #entries = new Map<string, { value: T; lastUsed: number }>();
  /** The shared journey: outside the map, so a crowd of browsers never evicts it. */
  #shared: { value: T; lastUsed: number } | undefined;
  readonly #create: () => T;
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: JourneyStoreOptions<T>) {
    this.#create = options.create;
    this.#max = options.maxEntries ?? 1000;
    this.#ttlMs = options.ttlMs ?? 30 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many journeys of browsers are held (the shared one aside). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The journey of `id` if it is known and fresh, else a new journey under a new id
   * (ids are never taken from the caller, so nobody can plant one).
   */
  resolve(id: string | undefined): { id: string; value: T; created: boolean } {
    this.#sweep();
    const entry = id !== undefined && JOURNEY_ID.test(id) ? this.#entries.get(id) : undefined;
    if (id !== undefined && entry) {
      // Re-insert so the map's order stays least recently used first.
      this.#entries.delete(id);
      entry.lastUsed = this.#now();
      this.#entries.set(id, entry);
      return { id, value: entry.value, created: false };
    }
    while (this.#entries.size >= this.#max) this.#evict(this.#entries.keys().next().value as string);
    const fresh = randomBytes(16).toString('hex');
    const value = this.#create();
    this.#entries.set(fresh, { value, lastUsed: this.#now() });
    return { id: fresh, value, created: true };
  }

  /**
   * The journey shared by every caller without a journey id. It is forgotten after the
   * same idle TTL as the others (its session key zeroized) and then starts afresh.
   */
  shared(): T {
    this.#sweep();
    this.#shared ??= { value: this.#create(), lastUsed: 0 };
    this.#shared.lastUsed = this.#now();
    return this.#shared.value;
  }

  /** Forget every journey, disposing of each. */
  clear(): void {
    for (const id of [...this.#entries.keys()]) this.#evict(id);
    this.#shared?.value.dispose();
    this.#shared = undefined;
  }

  #sweep(): void {
    const cutoff = this.#now() - this.#ttlMs;
    if (this.#shared && this.#shared.lastUsed <= cutoff) {
      this.#shared.value.dispose();
      this.#shared = undefined;
    }
    for (const [id, entry] of this.#entries) {
      if (entry.lastUsed > cutoff) break; // least recently used first: the rest are fresher
      this.#evict(id);
    }
  }

  #evict(id: string): void {
    const entry = this.#entries.get(id);
    this.#entries.delete(id);
    entry?.value.dispose();
  }
}
