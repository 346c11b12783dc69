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
  type Session,
  StoreFullError,
  StoreUnavailableError,
  connectRedis,
  createStores,
} from '../../src/stores/index.js';
import { ConfigError } from '../../src/config.js';
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

describe('memory nonce store', () => {
  it('refuses new nonces when full of live ones rather than forgetting a live one', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryNonceStore({ maxEntries: 2, clock });
    expect(await store.remember('c', 'nonce-0000000000001', 600)).toBe(true);
    expect(await store.remember('c', 'nonce-0000000000002', 600)).toBe(true);
    await expect(store.remember('c', 'nonce-0000000000003', 600)).rejects.toBeInstanceOf(StoreFullError);
    // The live nonces are still refused as replays.
    expect(await store.remember('c', 'nonce-0000000000001', 600)).toBe(false);
  });

  it('makes room as nonces expire', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryNonceStore({ maxEntries: 2, clock });
    await store.remember('c', 'nonce-0000000000001', 600);
    await store.remember('c', 'nonce-0000000000002', 600);
    clock.advance(600_000);
    expect(await store.remember('c', 'nonce-0000000000003', 600)).toBe(true);
    expect(store.size).toBe(1);
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

  it('uses a Redis nonce key with the configured prefix and TTL', async () => {
    const nonces = new RedisNonceStore({ redis, keyPrefix: prefix });
    await nonces.remember('dev-client', 'abcdefghijklmnopq', 600);
    const keys = await redis.keys(`${prefix}nonce:*`);
    expect(keys).toEqual([`${prefix}nonce:10:dev-client:abcdefghijklmnopq`]);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(590_000);
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
      await nonces.remember('dev-client', 'used-before-abcdefgh', 600);
      const write = vi.spyOn(redis.stream, 'write');
      const clock = new ManualClock(Date.now());
      const [fresh, replayed] = await Promise.all([
        Promise.all(Array.from({ length: 20 }, (_, i) => nonces.remember('dev-client', `fresh-nonce-${i}-abcdefgh`, 600))),
        nonces.remember('dev-client', 'used-before-abcdefgh', 600),
        ...Array.from({ length: 20 }, () => sessions.put(session(clock))),
      ]);
      expect(write).toHaveBeenCalledTimes(1);
      expect(fresh).toEqual(Array.from({ length: 20 }, () => true));
      expect(replayed).toBe(false);
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
    await expect(nonces.remember('c', 'abcdefghijklmnopq', 600)).rejects.toBeInstanceOf(StoreUnavailableError);
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
    expect(await stores.nonces.remember('c', crypto.randomUUID(), 1)).toBe(true);
    await stores.close();
  });
});
