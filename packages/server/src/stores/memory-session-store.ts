import { zeroize } from '@idsvc/protocol';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { LargestHolder } from './largest-holder.js';
import type { Session, SessionStore } from './session-store.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept at once, all clients together (MEMORY_SESSION_MAX). */
  maxEntries: number;
  /** Most sessions kept per client id (SESSION_CLIENT_MAX); default: `maxEntries`. */
  clientMax?: number;
  clock?: Clock;
  /** How often expired sessions are swept (and their keys zeroized); default 60 s. */
  sweepIntervalMs?: number;
  /** Told the id of every session the store drops, whatever the reason. */
  onDrop?: (sessionId: string) => void;
}

/** The sessions of one client id, oldest first, anonymous and authenticated apart. */
interface ClientSessions {
  readonly clientId: string;
  readonly anonymous: Set<string>;
  readonly authenticated: Set<string>;
}

const count = (c: ClientSessions): number => c.anonymous.size + c.authenticated.size;

/** A full store sweeps expired sessions before it evicts live ones, at most this often. */
const FULL_SWEEP_INTERVAL_MS = 1000;

/**
 * Sessions of one process, in a `Map`, with an index per client id.
 *
 * Bounds: `clientMax` per client id and `maxEntries` in all. Opening a session needs no
 * credentials, so eviction is arranged so that nobody can push out a stranger's session:
 * beyond `clientMax` a client loses its own oldest session, and beyond `maxEntries` the
 * client holding the most sessions does (the client opening one when it is among the
 * largest). Either way anonymous sessions go before authenticated ones.
 *
 * The map holds the key buffer handed to `put` and lends out copies only. Every key the
 * map drops, whether it expired, was evicted, was replaced or deleted, or the store
 * closed, is zeroized first.
 *
 * @example
 * ```ts
 * const sessions = new MemorySessionStore({ maxEntries: 100_000, clientMax: 10_000 });
 * await sessions.put(session);
 * const found = await sessions.get(session.id); // a copy: zeroize(found.key) when done
 * ```
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly clients = new Map<string, ClientSessions>();
  private readonly largest = new LargestHolder<ClientSessions>();
  private readonly maxEntries: number;
  private readonly clientMax: number;
  private readonly clock: Clock;
  private readonly timer: NodeJS.Timeout;
  private readonly onDrop: ((sessionId: string) => void) | undefined;
  private lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemorySessionStoreOptions) {
    this.maxEntries = options.maxEntries;
    this.clientMax = Math.min(options.clientMax ?? options.maxEntries, options.maxEntries);
    this.clock = options.clock ?? systemClock;
    this.onDrop = options.onDrop;
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
    const existing = this.clients.get(session.clientId);
    if (existing !== undefined) {
      while (count(existing) >= this.clientMax && this.evictOldest(existing)) {
        // the client's own oldest session made room
      }
    }
    if (this.sessions.size >= this.maxEntries) this.makeRoom(this.clients.get(session.clientId));
    // Looked up again: evictions may have removed a client left with no session.
    const owner = this.clientOf(session.clientId);
    this.sessions.set(session.id, session);
    const before = count(owner);
    (session.type === 'authenticated' ? owner.authenticated : owner.anonymous).add(session.id);
    this.largest.update(owner, before, before + 1);
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

  /** At `maxEntries`: expired sessions go first, then the oldest of the client holding the most. */
  private makeRoom(opening: ClientSessions | undefined): void {
    const now = this.clock.now();
    if (now - this.lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.lastFullSweep = now;
      this.sweep();
    }
    while (this.sessions.size >= this.maxEntries) {
      const victim = opening !== undefined && count(opening) >= this.largest.largestSize ? opening : this.largest.largest();
      if (victim === undefined || !this.evictOldest(victim)) return;
    }
  }

  /** Drop a client's oldest anonymous session, or its oldest authenticated one when it has none. */
  private evictOldest(client: ClientSessions): boolean {
    const oldest = client.anonymous.values().next();
    if (oldest.done !== true) {
      this.drop(oldest.value);
      return true;
    }
    const oldestAuthenticated = client.authenticated.values().next();
    if (oldestAuthenticated.done !== true) {
      this.drop(oldestAuthenticated.value);
      return true;
    }
    return false;
  }

  private clientOf(clientId: string): ClientSessions {
    let client = this.clients.get(clientId);
    if (client === undefined) {
      client = { clientId, anonymous: new Set(), authenticated: new Set() };
      this.clients.set(clientId, client);
    }
    return client;
  }

  private drop(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    zeroize(session.key);
    this.sessions.delete(sessionId);
    const client = this.clients.get(session.clientId);
    if (client !== undefined) {
      const before = count(client);
      client.anonymous.delete(sessionId);
      client.authenticated.delete(sessionId);
      const after = count(client);
      this.largest.update(client, before, after);
      if (after === 0) this.clients.delete(session.clientId);
    }
    this.onDrop?.(sessionId);
  }
}
