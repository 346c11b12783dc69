import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { StoreFullError } from './errors.js';
import { type NonceStore, nonceKey } from './nonce-store.js';

/** Options of {@link MemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Most nonces kept at once (MEMORY_NONCE_MAX). */
  maxEntries: number;
  clock?: Clock;
}

/**
 * Nonces of one process, in a `Map` from key to expiry time.
 *
 * Every nonce gets the same TTL, so insertion order is expiry order: expired entries are
 * always at the front of the map and are pruned from there, a few at a time, on each call.
 * When the map is full of live nonces a new one is refused (StoreFullError) instead of
 * evicting a live one, because an evicted nonce could be replayed.
 *
 * @example
 * ```ts
 * const nonces = new MemoryNonceStore({ maxEntries: 100_000 });
 * await nonces.remember('dev-client', nonce, 600); // true, then false for the same nonce
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(options: MemoryNonceStoreOptions) {
    this.maxEntries = options.maxEntries;
    this.clock = options.clock ?? systemClock;
  }

  /** Number of nonces currently held (expired ones may linger until the next call). */
  get size(): number {
    return this.entries.size;
  }

  remember(clientId: string, nonce: string, ttlSec: number): Promise<boolean> {
    const now = this.clock.now();
    this.prune(now);
    const key = nonceKey(clientId, nonce);
    const expiresAt = this.entries.get(key);
    if (expiresAt !== undefined) {
      if (expiresAt > now) return Promise.resolve(false);
      this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries) {
      return Promise.reject(new StoreFullError(`nonce store full (${this.maxEntries} live nonces)`));
    }
    this.entries.set(key, now + ttlSec * 1000);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  /** Drop expired entries from the front of the map (the oldest first). */
  private prune(now: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
