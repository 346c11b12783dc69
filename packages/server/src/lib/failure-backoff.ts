/**
 * Back-off per key after repeated failures: after `threshold` failures in a row a key is
 * held off for `baseMs`, doubling with each further failure up to `maxMs`. A success
 * clears the key. The identity API keys it by client id, so that one client's wrong
 * secrets cost that client alone.
 */
import { BoundedCache } from './bounded-cache.js';
import type { Clock } from './clock.js';

/** Options of {@link FailureBackoff}. */
export interface FailureBackoffOptions {
  clock: Clock;
  /** Failures in a row that are allowed before the first hold-off (default 5). */
  threshold?: number;
  /** The first hold-off (default 1 s). */
  baseMs?: number;
  /** The longest hold-off (default 60 s). */
  maxMs?: number;
  /** Most keys remembered, least recently failed out first (default 10,000). */
  maxKeys?: number;
}

interface State {
  failures: number;
  until: number;
}

/**
 * @example
 * ```ts
 * const backoff = new FailureBackoff({ clock });
 * const wait = backoff.heldOffMs(clientId); // > 0: refuse, retry after `wait`
 * backoff.failed(clientId);
 * ```
 */
export class FailureBackoff {
  private readonly clock: Clock;
  private readonly threshold: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly states: BoundedCache<string, State>;

  constructor(options: FailureBackoffOptions) {
    this.clock = options.clock;
    this.threshold = options.threshold ?? 5;
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.states = new BoundedCache(options.maxKeys ?? 10_000);
  }

  /** How many milliseconds `key` is still held off; 0 when it may try. */
  heldOffMs(key: string): number {
    const state = this.states.get(key);
    if (state === undefined) return 0;
    return Math.max(0, state.until - this.clock.now());
  }

  /** Count a failure; returns the hold-off it starts (0 while under the threshold). */
  failed(key: string): number {
    const state = this.states.get(key) ?? { failures: 0, until: 0 };
    state.failures++;
    const over = state.failures - this.threshold + 1;
    const holdMs = over <= 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** Math.min(over - 1, 30));
    state.until = holdMs === 0 ? 0 : this.clock.now() + holdMs;
    this.states.set(key, state);
    return holdMs;
  }

  /** A success: forget the key's failures. */
  succeeded(key: string): void {
    this.states.delete(key);
  }
}
