import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { LargestHolder } from './largest-holder.js';
import { type NonceStore, type NonceUse, type NonceVerdict, nonceDigest } from './nonce-store.js';

/** Options of {@link MemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Most nonces kept at once, all scopes together (MEMORY_NONCE_MAX). */
  maxEntries: number;
  /** Most nonces kept per scope (NONCE_SCOPE_MAX); default: `maxEntries`. */
  scopeMax?: number;
  clock?: Clock;
  /** How often expired nonces are swept; default 60 s. */
  sweepIntervalMs?: number;
}

/** The nonces of one scope: digest to timestamp, a min-heap by timestamp, and the watermark. */
interface Scope {
  readonly name: string;
  readonly seen: Map<string, number>;
  readonly heapTs: number[];
  readonly heapDigest: string[];
  /** Timestamps at or before it are stale; `-Infinity` while nothing was forgotten early. */
  watermark: number;
}

/** A full store sweeps expired nonces before it evicts live ones, at most this often. */
const FULL_SWEEP_INTERVAL_MS = 1000;

/**
 * Nonces of one process, per scope (docs/protocol.md section 6).
 *
 * Bounds: `scopeMax` per scope and `maxEntries` in all. Beyond `scopeMax` a scope forgets
 * its own oldest nonce (by timestamp). Beyond `maxEntries` the scope holding the most
 * nonces forgets its oldest, the scope being written to when it is among the largest: a
 * flood costs the flooder its own memory, and a scope with few nonces keeps them. Either
 * way the watermark of the scope that forgot rises to the forgotten timestamp, so the
 * forgotten nonce stays refused (as stale) and a full store refuses nothing fresh.
 *
 * A nonce is kept until `ttlSec` after its timestamp; by then the clock window refuses it
 * anyway (NONCE_TTL is at least twice CLOCK_SKEW). A watermark is dropped on the same terms.
 *
 * @example
 * ```ts
 * const nonces = new MemoryNonceStore({ maxEntries: 100_000 });
 * const use = { scope: sessionNonceScope(sessionId), nonce, timestampMs, ttlSec: 600 };
 * await nonces.remember(use); // 'fresh', then 'replay' for the same use
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  private readonly scopes = new Map<string, Scope>();
  private readonly largest = new LargestHolder<Scope>();
  private readonly maxEntries: number;
  private readonly scopeMax: number;
  private readonly clock: Clock;
  private readonly timer: NodeJS.Timeout;
  private total = 0;
  /** The longest TTL seen, for the timed sweep (every caller passes NONCE_TTL). */
  private ttlMs = 0;
  private lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryNonceStoreOptions) {
    this.maxEntries = options.maxEntries;
    this.scopeMax = Math.min(options.scopeMax ?? options.maxEntries, options.maxEntries);
    this.clock = options.clock ?? systemClock;
    this.timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    // The sweep must never keep a process alive on its own.
    this.timer.unref();
  }

  /** Number of nonces held, all scopes together (expired ones may linger until a sweep). */
  get size(): number {
    return this.total;
  }

  /** Number of scopes held, including those that keep only a watermark. */
  get scopeCount(): number {
    return this.scopes.size;
  }

  remember(use: NonceUse): Promise<NonceVerdict> {
    const now = this.clock.now();
    const ttlMs = use.ttlSec * 1000;
    if (ttlMs > this.ttlMs) this.ttlMs = ttlMs;
    // A nonce that could not be remembered for its whole lifetime is not accepted at all.
    if (use.timestampMs + ttlMs <= now) return Promise.resolve('stale');
    let scope = this.scopes.get(use.scope);
    if (scope !== undefined) scope = this.expire(scope, now, ttlMs);
    const digest = nonceDigest(use.nonce);
    if (scope?.seen.has(digest) === true) return Promise.resolve('replay');
    if (scope !== undefined && use.timestampMs <= scope.watermark) return Promise.resolve('stale');
    if (scope === undefined) {
      scope = { name: use.scope, seen: new Map(), heapTs: [], heapDigest: [], watermark: Number.NEGATIVE_INFINITY };
      this.scopes.set(use.scope, scope);
    }

    const before = scope.seen.size;
    scope.seen.set(digest, use.timestampMs);
    heapPush(scope, use.timestampMs, digest);
    this.total += 1;
    this.largest.update(scope, before, before + 1);

    // Recorded first, bounded second: if the new nonce is itself the oldest, it is forgotten
    // at once and the watermark covers it, so the request is accepted and its replay refused.
    while (scope.seen.size > this.scopeMax) this.forgetOldest(scope);
    if (this.total > this.maxEntries) this.makeRoom(scope, now);
    return Promise.resolve('fresh');
  }

  /** Forget a scope entirely: the session it belongs to is gone, so no request can reach it. */
  forgetScope(name: string): void {
    const scope = this.scopes.get(name);
    if (scope === undefined) return;
    this.largest.update(scope, scope.seen.size, 0);
    this.total -= scope.seen.size;
    this.scopes.delete(name);
  }

  /** Drop every expired nonce and watermark now. Runs on a timer too. */
  sweep(): void {
    const now = this.clock.now();
    for (const scope of [...this.scopes.values()]) this.expire(scope, now, this.ttlMs);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.scopes.clear();
    this.largest.clear();
    this.total = 0;
    return Promise.resolve();
  }

  /** Over `maxEntries`: expired nonces go first, then the oldest of the largest scope. */
  private makeRoom(writing: Scope, now: number): void {
    if (now - this.lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.lastFullSweep = now;
      this.sweep();
    }
    while (this.total > this.maxEntries) {
      const victim = writing.seen.size >= this.largest.largestSize ? writing : this.largest.largest();
      if (victim === undefined) return;
      this.forgetOldest(victim);
    }
  }

  /** Forget the nonce with the lowest timestamp of a scope, raising its watermark. */
  private forgetOldest(scope: Scope): void {
    const popped = heapPop(scope);
    if (popped === undefined) return;
    const before = scope.seen.size;
    scope.seen.delete(popped.digest);
    if (popped.timestampMs > scope.watermark) scope.watermark = popped.timestampMs;
    this.total -= 1;
    this.largest.update(scope, before, before - 1);
  }

  /**
   * Drop the expired nonces of a scope, and its watermark once that has expired too; the
   * scope itself goes when nothing is left. Returns the scope, or `undefined` once it is gone.
   */
  private expire(scope: Scope, now: number, ttlMs: number): Scope | undefined {
    const before = scope.seen.size;
    while (scope.heapTs.length > 0 && scope.heapTs[0]! + ttlMs <= now) {
      const popped = heapPop(scope)!;
      scope.seen.delete(popped.digest);
    }
    const after = scope.seen.size;
    if (after !== before) {
      this.total -= before - after;
      this.largest.update(scope, before, after);
    }
    if (scope.watermark + ttlMs <= now) scope.watermark = Number.NEGATIVE_INFINITY;
    if (after === 0 && scope.watermark === Number.NEGATIVE_INFINITY) {
      this.scopes.delete(scope.name);
      return undefined;
    }
    return scope;
  }
}

/** Add to a scope's min-heap of timestamps (digests move along in a parallel array). */
function heapPush(scope: Scope, timestampMs: number, digest: string): void {
  const ts = scope.heapTs;
  const ds = scope.heapDigest;
  let i = ts.length;
  ts.push(timestampMs);
  ds.push(digest);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (ts[parent]! <= timestampMs) break;
    ts[i] = ts[parent]!;
    ds[i] = ds[parent]!;
    i = parent;
  }
  ts[i] = timestampMs;
  ds[i] = digest;
}

/** Take the lowest timestamp off a scope's min-heap. */
function heapPop(scope: Scope): { timestampMs: number; digest: string } | undefined {
  const ts = scope.heapTs;
  const ds = scope.heapDigest;
  if (ts.length === 0) return undefined;
  const top = { timestampMs: ts[0]!, digest: ds[0]! };
  const lastTs = ts.pop()!;
  const lastDigest = ds.pop()!;
  const n = ts.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && ts[right]! < ts[left]! ? right : left;
    if (ts[child]! >= lastTs) break;
    ts[i] = ts[child]!;
    ds[i] = ds[child]!;
    i = child;
  }
  ts[i] = lastTs;
  ds[i] = lastDigest;
  return top;
}
