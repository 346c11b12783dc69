/**
 * The store implementations the contract suite runs against: memory, and Redis under a key
 * prefix of its own per target (so parallel test files never collide).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ManualClock } from '../../src/lib/clock.js';
import { type SidecarStores, type StoreLimits, connectRedis, memoryStores, redisStores, storeLimits } from '../../src/stores/index.js';
import { testConfig } from '../sidecar/fixtures.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-env.js';

export interface StoreTarget {
  name: 'memory' | 'redis';
  /** Fresh stores on a manual clock; `cleanup` closes them and deletes what they wrote. */
  open(): Promise<OpenStores>;
}

/** Small per-party bounds, so that the contract can reach them in a few calls. */
const LIMITS_ENV = { NONCE_SCOPE_MAX: '5', SESSION_CLIENT_MAX: '3' };

export interface OpenStores {
  stores: SidecarStores;
  /** The per-party bounds the stores were opened with. */
  limits: StoreLimits;
  clock: ManualClock;
  /** Let `ms` pass for expiry checks: the manual clock moves, and Redis TTLs are waited out when needed. */
  elapse(ms: number): Promise<void>;
  redis?: Redis;
  prefix?: string;
  masterKey?: Buffer;
  cleanup(): Promise<void>;
}

export const memoryTarget: StoreTarget = {
  name: 'memory',
  open: async () => {
    const clock = new ManualClock(Date.now());
    const config = testConfig(LIMITS_ENV);
    const stores = memoryStores(config, clock);
    return {
      stores,
      limits: storeLimits(config),
      clock,
      elapse: async (ms) => clock.advance(ms),
      cleanup: () => stores.close(),
    };
  },
};

/** Redis stores at `url` (see `requireRedis`), on a connection opened as the sidecar opens its own. */
export const redisTarget = (url: string): StoreTarget => ({
  name: 'redis',
  open: async () => {
    const clock = new ManualClock(Date.now());
    const redis = connectRedis(url);
    const prefix = uniquePrefix();
    const masterKey = randomBytes(32);
    const limits = storeLimits(testConfig(LIMITS_ENV));
    const stores = redisStores(redis, prefix, masterKey, clock, undefined, limits);
    return {
      stores,
      limits,
      clock,
      redis,
      prefix,
      masterKey,
      elapse: async (ms) => {
        clock.advance(ms);
        // Redis expires keys on its own clock: wait the time out for real.
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
      cleanup: async () => {
        await stores.close();
        await deletePrefix(redis, prefix);
        await redis.quit();
      },
    };
  },
});
