/**
 * What each store does beyond the shared contract: the memory stores' bounds and key
 * zeroization, the Redis session store's encryption at rest and its failure mode.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newSessionId } from '@idsvc/protocol';
import { ManualClock } from '../../src/lib/clock.js';
import {
  MemoryNonceStore,
  MemorySessionStore,
  RedisNonceStore,
  RedisSessionStore,
  type NonceUse,
  type Session,
  StoreUnavailableError,
  connectRedis,
  createStores,
  memoryStores,
  nonceDigest,
  sessionNonceScope,
} from '../../src/stores/index.js';
import { ConfigError } from '../../src/config.js';
import { LargestHolder } from '../../src/stores/largest-holder.js';
import { testConfig } from '../sidecar/fixtures.js';
import { deletePrefix, requireRedis, uniquePrefix } from '../helpers/redis-env.js';
import { waitFor } from '../helpers/wait-for.js';

const redisUrl = await requireRedis();

function session(clock: ManualClock, ttlSec = 1800, overrides: Partial<Session> = {}): Session {
  return {
    id: newSessionId(),
    clientId: 'dev-client',
    type: 'anonymous',
    subject: undefined,
    expiresAtMs: clock.now() + ttlSec * 1000,
    key: randomBytes(32),
    ...overrides,
  };
}

const T_STORES = 1_767_225_600_000;

const isZero = (key: Uint8Array): boolean => key.every((b) => b === 0);

describe('memory session store', () => {
  let clock: ManualClock;
  let store: MemorySessionStore;
  beforeEach(() => {
    clock = new ManualClock(1_767_225_600_000);
    store = new MemorySessionStore({ maxEntries: 3, clock });
  });
  afterEach(async () => {
    await store.close();
  });

  it('zeroizes a session key when the session expires (sweep)', async () => {
    const s = session(clock, 10);
    await store.put(s);
    clock.advance(10_000);
    store.sweep();
    expect(isZero(s.key)).toBe(true);
    expect(store.size).toBe(0);
  });

  it('zeroizes a session key when an expired session is looked up', async () => {
    const s = session(clock, 10);
    await store.put(s);
    clock.advance(10_000);
    expect(await store.get(s.id)).toBeUndefined();
    expect(isZero(s.key)).toBe(true);
  });

  it('evicts the oldest session beyond maxEntries, zeroizing its key', async () => {
    const sessions = [session(clock), session(clock), session(clock), session(clock)];
    for (const s of sessions) await store.put(s);
    expect(store.size).toBe(3);
    expect(isZero(sessions[0]!.key)).toBe(true);
    expect(await store.get(sessions[0]!.id)).toBeUndefined();
    expect(sessions.slice(1).every((s) => !isZero(s.key))).toBe(true);
  });

  it('zeroizes on delete and on close', async () => {
    const a = session(clock);
    const b = session(clock);
    await store.put(a);
    await store.put(b);
    await store.delete(a.id);
    expect(isZero(a.key)).toBe(true);
    expect(isZero(b.key)).toBe(false);
    await store.close();
    expect(isZero(b.key)).toBe(true);
  });

  it('sweeps on its own timer', async () => {
    const timed = new MemorySessionStore({ maxEntries: 10, clock, sweepIntervalMs: 20 });
    const s = session(clock, 1);
    await timed.put(s);
    clock.advance(1000);
    // No call touches the store: only its own timer can sweep the expired session.
    expect(await waitFor(() => isZero(s.key), 'the sweep timer to zeroize the expired session', { timeoutMs: 2_000 })).toBe(true);
    await timed.close();
  });
});

describe('LargestHolder', () => {
  it('names a holder with the most entries as sizes go up and down', () => {
    const index = new LargestHolder<string>();
    expect(index.largest()).toBeUndefined();
    index.update('a', 0, 1);
    index.update('b', 0, 1);
    index.update('b', 1, 2);
    expect(index.largest()).toBe('b');
    expect(index.largestSize).toBe(2);
    index.update('a', 1, 3);
    expect(index.largest()).toBe('a');
    index.update('a', 3, 0);
    expect([index.largest(), index.largestSize]).toEqual(['b', 2]);
    index.update('b', 2, 0);
    expect([index.largest(), index.largestSize]).toEqual([undefined, 0]);
  });
});

describe('memory nonce store', () => {
  const T0 = 1_767_225_600_000;
  const use = (scope: string, nonce: string, timestampMs: number, ttlSec = 600): NonceUse => ({ scope, nonce, timestampMs, ttlSec });
  const nonce = (i: number): string => `nonce-${String(i).padStart(16, '0')}`;

  it('never refuses a fresh nonce when full: five times its bound in one scope, each accepted once', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryNonceStore({ maxEntries: 200, clock });
    for (let i = 0; i < 1000; i += 1) {
      clock.advance(1);
      expect(await store.remember(use('s:a', nonce(i), clock.now()))).toBe('fresh');
    }
    expect(store.size).toBe(200);
    // The 200 most recent are replays; every older one is stale, never accepted again.
    expect(await store.remember(use('s:a', nonce(999), T0 + 1000))).toBe('replay');
    expect(await store.remember(use('s:a', nonce(800), T0 + 801))).toBe('replay');
    expect(await store.remember(use('s:a', nonce(799), T0 + 800))).toBe('stale');
    expect(await store.remember(use('s:a', nonce(0), T0 + 1))).toBe('stale');
    await store.close();
  });

  it('when full, the scope holding the most forgets, not a small one beside it', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryNonceStore({ maxEntries: 100, clock });
    // A client 60 s behind holds a few nonces, then another scope floods.
    const skewed = T0 - 60_000;
    for (let i = 0; i < 3; i += 1) expect(await store.remember(use('s:skewed', nonce(i), skewed + i))).toBe('fresh');
    for (let i = 0; i < 500; i += 1) expect(await store.remember(use('s:flood', nonce(i), T0 + i))).toBe('fresh');
    expect(store.size).toBe(100);
    // The skewed scope kept its nonces and has no watermark: its next, older-looking request passes.
    expect(await store.remember(use('s:skewed', nonce(0), skewed))).toBe('replay');
    expect(await store.remember(use('s:skewed', nonce(3), skewed + 3))).toBe('fresh');
    expect(await store.remember(use('s:skewed', nonce(4), skewed - 1000))).toBe('fresh');
    // The flooding scope paid: its oldest are stale.
    expect(await store.remember(use('s:flood', nonce(0), T0))).toBe('stale');
    await store.close();
  });

  it('bounds each scope by scopeMax, even with room in all', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryNonceStore({ maxEntries: 1000, scopeMax: 10, clock });
    for (let i = 0; i < 15; i += 1) await store.remember(use('i:dev-client', nonce(i), T0 + i));
    expect(store.size).toBe(10);
    expect(await store.remember(use('i:dev-client', crypto.randomUUID(), T0 + 4))).toBe('stale');
    expect(await store.remember(use('i:other-client', crypto.randomUUID(), T0 + 4))).toBe('fresh');
    await store.close();
  });

  it('frees nonces, watermarks and scopes as they expire', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryNonceStore({ maxEntries: 2, clock });
    await store.remember(use('s:a', nonce(1), T0));
    await store.remember(use('s:a', nonce(2), T0 + 1));
    await store.remember(use('s:a', nonce(3), T0 + 2));
    // A nonce is kept until NONCE_TTL after its own timestamp.
    clock.advance(600_001);
    expect(await store.remember(use('s:a', nonce(4), clock.now()))).toBe('fresh');
    expect(store.size).toBe(2);
    clock.advance(1);
    expect(await store.remember(use('s:a', nonce(5), clock.now()))).toBe('fresh');
    expect(store.size).toBe(2);
    clock.advance(600_000);
    store.sweep();
    expect(store.size).toBe(0);
    expect(store.scopeCount).toBe(0);
    await store.close();
  });

  it('forgets the scope of a session that is gone', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryNonceStore({ maxEntries: 10, clock });
    await store.remember(use('s:a', nonce(1), T0));
    store.forgetScope('s:a');
    expect(store.size).toBe(0);
    expect(store.scopeCount).toBe(0);
    await store.close();
  });

  it('keeps a 16-byte digest, not the nonce', () => {
    expect(nonceDigest('a'.repeat(128))).toHaveLength(22);
    expect(nonceDigest('a'.repeat(128))).not.toBe(nonceDigest('a'.repeat(127)));
  });
});

describe('memory stores together', () => {
  it('drop the nonce scope of a session the session store drops', async () => {
    const clock = new ManualClock(T_STORES);
    const stores = memoryStores(testConfig({ MEMORY_SESSION_MAX: '2' }), clock);
    const nonces = stores.nonces as MemoryNonceStore;
    const first = session(clock);
    await stores.sessions.put(first);
    await nonces.remember({ scope: sessionNonceScope(first.id), nonce: crypto.randomUUID(), timestampMs: clock.now(), ttlSec: 600 });
    expect(nonces.scopeCount).toBe(1);
    await stores.sessions.put(session(clock));
    await stores.sessions.put(session(clock));
    expect(await stores.sessions.get(first.id)).toBeUndefined();
    expect(nonces.scopeCount).toBe(0);
    await stores.close();
  });
});

describe('memory session store budgets', () => {
  it('when full, evicts from the client holding the most: a stranger\'s flood leaves a victim\'s session', async () => {
    const clock = new ManualClock(T_STORES);
    const store = new MemorySessionStore({ maxEntries: 50, clock });
    const victim = session(clock, 1800, { clientId: 'victim' });
    await store.put(victim);
    const flood = Array.from({ length: 60 }, () => session(clock, 1800, { clientId: 'flooder' }));
    for (const s of flood) await store.put(s);
    expect(store.size).toBe(50);
    expect(await store.get(victim.id)).toBeDefined();
    expect(await store.get(flood[0]!.id)).toBeUndefined();
    expect(await store.get(flood.at(-1)!.id)).toBeDefined();
    await store.close();
  });

  it('when full, a flooding client loses its anonymous sessions before its authenticated one', async () => {
    const clock = new ManualClock(T_STORES);
    const store = new MemorySessionStore({ maxEntries: 50, clock });
    const mine = session(clock, 3600, { type: 'authenticated', subject: 'test-user' });
    await store.put(mine);
    for (let i = 0; i < 60; i += 1) await store.put(session(clock));
    expect(await store.get(mine.id)).toBeDefined();
    await store.close();
  });

  it('makes room from expired sessions before evicting live ones', async () => {
    const clock = new ManualClock(T_STORES);
    const store = new MemorySessionStore({ maxEntries: 2, clock });
    const live = session(clock, 1800, { clientId: 'victim' });
    await store.put(session(clock, 10, { clientId: 'flooder' }));
    await store.put(live);
    clock.advance(10_000);
    await store.put(session(clock, 1800, { clientId: 'flooder' }));
    expect(await store.get(live.id)).toBeDefined();
    await store.close();
  });
});

describe.skipIf(redisUrl === undefined)('redis session store', () => {
  let redis: Redis;
  let prefix: string;
  let clock: ManualClock;
  const masterKey = randomBytes(32);
  beforeEach(() => {
    redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    prefix = uniquePrefix();
    clock = new ManualClock(Date.now());
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  const store = (key: Uint8Array = masterKey): RedisSessionStore => new RedisSessionStore({ redis, keyPrefix: prefix, masterKey: key, clock });

  it('keeps no session key in clear in Redis, and expires the record by Redis TTL', async () => {
    const s = session(clock, 1800, { type: 'authenticated', subject: 'test-user' });
    const key = Buffer.from(s.key);
    await store().put(s);
    const stored = (await redis.getBuffer(`${prefix}session:${s.id}`))!;
    const text = stored.toString('latin1');
    for (const form of [key.toString('latin1'), key.toString('hex'), key.toString('base64'), 'test-user']) {
      expect(text.includes(form)).toBe(false);
    }
    const ttl = await redis.pttl(`${prefix}session:${s.id}`);
    expect(ttl).toBeGreaterThan(1790_000);
    expect(ttl).toBeLessThanOrEqual(1800_000);
  });

  it('zeroizes the key it was given once stored', async () => {
    const s = session(clock);
    await store().put(s);
    expect(isZero(s.key)).toBe(true);
  });

  it('shares sessions between instances with the same master key, not with another key', async () => {
    const s = session(clock);
    const key = Buffer.from(s.key);
    await store().put(s);
    expect(Buffer.from((await store().get(s.id))!.key).equals(key)).toBe(true);
    expect(await store(randomBytes(32)).get(s.id)).toBeUndefined();
  });

  it('refuses a record moved to another id or altered', async () => {
    const s = session(clock);
    await store().put(s);
    const record = (await redis.get(`${prefix}session:${s.id}`))!;
    const other = newSessionId();
    await redis.set(`${prefix}session:${other}`, record);
    expect(await store().get(other)).toBeUndefined();
    const altered = (record[0] === 'A' ? 'B' : 'A') + record.slice(1);
    await redis.set(`${prefix}session:${s.id}`, altered);
    expect(await store().get(s.id)).toBeUndefined();
  });

  it('keeps a scope\'s nonces as digests in one sorted set under the prefix, with a TTL and a bounded size', async () => {
    const nonces = new RedisNonceStore({ redis, keyPrefix: prefix, clock, scopeMax: 3 });
    const t0 = clock.now();
    for (let i = 0; i < 5; i += 1) {
      expect(await nonces.remember({ scope: 's:S-1', nonce: `nonce-${i}-abcdefghijkl`, timestampMs: t0 + i, ttlSec: 600 })).toBe('fresh');
    }
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([`${prefix}nonce-wm:s:S-1`, `${prefix}nonce:s:S-1`]);
    const members = await redis.zrange(`${prefix}nonce:s:S-1`, 0, -1, 'WITHSCORES');
    expect(members).toEqual([nonceDigest('nonce-2-abcdefghijkl'), String(t0 + 2), nonceDigest('nonce-3-abcdefghijkl'), String(t0 + 3), nonceDigest('nonce-4-abcdefghijkl'), String(t0 + 4)]);
    expect(await redis.get(`${prefix}nonce-wm:s:S-1`)).toBe(String(t0 + 1));
    expect(await redis.pttl(`${prefix}nonce:s:S-1`)).toBeGreaterThan(590_000);
    expect(await redis.pttl(`${prefix}nonce-wm:s:S-1`)).toBeGreaterThan(590_000);
    expect(await nonces.remember({ scope: 's:S-1', nonce: 'nonce-1-abcdefghijkl', timestampMs: t0 + 1, ttlSec: 600 })).toBe('stale');
  });

  it('keeps per client the index of its sessions, which expires with them', async () => {
    const s = session(clock, 1800, { clientId: 'dev-client' });
    await new RedisSessionStore({ redis, keyPrefix: prefix, masterKey, clock, clientMax: 3 }).put(s);
    const index = `${prefix}client-sessions:10:dev-client:anonymous`;
    expect(await redis.zrange(index, 0, -1)).toEqual([`${'0'.repeat(15)}1:${s.id}`]);
    expect(await redis.pttl(index)).toBeGreaterThan(1790_000);
  });
});

describe.skipIf(redisUrl === undefined)('the stores\' Redis connection', () => {
  it('sends the commands of concurrent requests in one write, each answered on its own', async () => {
    const redis = connectRedis(redisUrl!);
    const prefix = uniquePrefix();
    try {
      await redis.ping();
      const nonces = new RedisNonceStore({ redis, keyPrefix: prefix });
      const sessions = new RedisSessionStore({ redis, keyPrefix: prefix, masterKey: randomBytes(32) });
      const use = (nonce: string) => ({ scope: 's:S-1', nonce, timestampMs: Date.now(), ttlSec: 600 });
      await nonces.remember(use('used-before-abcdefgh'));
      const write = vi.spyOn(redis.stream, 'write');
      const clock = new ManualClock(Date.now());
      const [fresh, replayed] = await Promise.all([
        Promise.all(Array.from({ length: 20 }, (_, i) => nonces.remember(use(`fresh-nonce-${i}-abcdefgh`)))),
        nonces.remember(use('used-before-abcdefgh')),
        ...Array.from({ length: 20 }, () => sessions.put(session(clock))),
      ]);
      expect(write).toHaveBeenCalledTimes(1);
      expect(fresh).toEqual(Array.from({ length: 20 }, () => 'fresh'));
      expect(replayed).toBe('replay');
    } finally {
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  });
});

describe('redis stores when Redis is away', () => {
  it('raise StoreUnavailableError, which the sidecar answers with 503', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => undefined);
    const sessions = new RedisSessionStore({ redis, keyPrefix: 'x:', masterKey: randomBytes(32) });
    const nonces = new RedisNonceStore({ redis, keyPrefix: 'x:' });
    await expect(sessions.get(newSessionId())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(nonces.remember({ scope: 'i:c', nonce: 'abcdefghijklmnopq', timestampMs: Date.now(), ttlSec: 600 })).rejects.toBeInstanceOf(StoreUnavailableError);
    redis.disconnect();
  });
});

describe('createStores', () => {
  it('uses memory without REDIS_URL', async () => {
    const stores = createStores(testConfig());
    expect(stores.kind).toBe('memory');
    await stores.close();
  });

  it('refuses REDIS_URL without a master key', () => {
    expect(() => createStores(testConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }))).toThrow(ConfigError);
  });

  it.skipIf(redisUrl === undefined)('uses Redis with REDIS_URL and a master key', async () => {
    const stores = createStores(testConfig({ REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: uniquePrefix() }), { masterKey: randomBytes(32) });
    expect(stores.kind).toBe('redis');
    expect(await stores.nonces.remember({ scope: 'i:c', nonce: crypto.randomUUID(), timestampMs: Date.now(), ttlSec: 1 })).toBe('fresh');
    await stores.close();
  });
});
