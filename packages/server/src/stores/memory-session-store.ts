import { zeroize } from '@idsvc/protocol';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import type { Session, SessionStore } from './session-store.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept at once (MEMORY_SESSION_MAX); the oldest is evicted beyond it. */
  maxEntries: number;
  clock?: Clock;
  /** How often expired sessions are swept (and their keys zeroized); default 60 s. */
  sweepIntervalMs?: number;
}

/**
 * Sessions of one process, in a `Map` in creation order.
 *
 * The map holds the key buffer handed to `put` and lends out copies only. Every key the
 * map drops, whether it expired, was evicted to respect `maxEntries`, was replaced or
 * deleted, or the store closed, is zeroized first.
 *
 * @example
 * ```ts
 * const sessions = new MemorySessionStore({ maxEntries: 100_000 });
 * await sessions.put(session);
 * const found = await sessions.get(session.id); // a copy: zeroize(found.key) when done
 * ```
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly maxEntries: number;
  private readonly clock: Clock;
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemorySessionStoreOptions) {
    this.maxEntries = options.maxEntries;
    this.clock = options.clock ?? systemClock;
    this.timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    // The sweep must never keep a process alive on its own.
    this.timer.unref();
  }

  /** Number of sessions held, expired ones included until the next sweep. */
  get size(): number {
    return this.sessions.size;
  }

  put(session: Session): Promise<void> {
    this.drop(session.id);
    while (this.sessions.size >= this.maxEntries) {
      const oldest = this.sessions.keys().next();
      if (oldest.done === true) break;
      this.drop(oldest.value);
    }
    this.sessions.set(session.id, session);
    return Promise.resolve();
  }

  get(sessionId: string): Promise<Session | undefined> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return Promise.resolve(undefined);
    if (session.expiresAtMs <= this.clock.now()) {
      this.drop(sessionId);
      return Promise.resolve(undefined);
    }
    return Promise.resolve({ ...session, key: new Uint8Array(session.key) });
  }

  delete(sessionId: string): Promise<void> {
    this.drop(sessionId);
    return Promise.resolve();
  }

  /** Remove every expired session now, zeroizing its key. Runs on a timer too. */
  sweep(): void {
    const now = this.clock.now();
    for (const [id, session] of this.sessions) {
      if (session.expiresAtMs <= now) this.drop(id);
    }
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    for (const id of [...this.sessions.keys()]) this.drop(id);
    return Promise.resolve();
  }

  private drop(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    zeroize(session.key);
    this.sessions.delete(sessionId);
  }
}
