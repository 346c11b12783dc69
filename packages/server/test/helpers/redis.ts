/**
 * Redis for tests: a key prefix of its own per test file, cleaned afterwards.
 *
 * ```ts
 * const redisUp = await redisAvailable();
 * describe.skipIf(!redisUp)('redis store', () => {
 *   const r = withRedis();
 *   it('...', async () => { await r.redis.set(`${r.prefix}k`, 'v'); });
 * });
 * ```
 *
 * When Redis is unreachable, `redisAvailable()` says so in a visible message and answers
 * `false`; under `CI=true` it throws instead, so nothing is skipped in CI.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { inCi } from './db.js';

/** The server tests connect to; override with TEST_REDIS_URL. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let probe: Promise<string | undefined> | undefined;

function probeRedis(): Promise<string | undefined> {
  probe ??= (async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      redis.disconnect();
    }
  })();
  return probe;
}

/**
 * `true` when Redis answers; `false` (with a visible message) when it does not.
 * @throws under `CI=true` when Redis is unreachable.
 */
export async function redisAvailable(): Promise<boolean> {
  const problem = await probeRedis();
  if (problem === undefined) return true;
  if (inCi()) throw new Error(`Redis at ${REDIS_URL} is unreachable under CI=true: ${problem}`);
  console.warn(`\n*** SKIPPING Redis tests: ${REDIS_URL} is unreachable (${problem}) ***\n`);
  return false;
}

/** A Redis connection and a key prefix of one test file, valid between beforeAll and afterAll. */
export interface TestRedis {
  /** `t_<random>:`; every key the test writes should start with it. */
  readonly prefix: string;
  readonly redis: Redis;
  readonly url: string;
}

/** Connect in beforeAll; in afterAll delete every key under the prefix and disconnect. */
export function withRedis(): TestRedis {
  const prefix = `t_${randomBytes(8).toString('hex')}:`;
  let redis: Redis | undefined;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    if (redis === undefined) return;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  return {
    prefix,
    url: REDIS_URL,
    get redis() {
      if (redis === undefined) throw new Error('withRedis: the connection exists only between beforeAll and afterAll');
      return redis;
    },
  };
}
