/**
 * Redis for the sidecar tests, on top of the shared helper (`../helpers/redis.ts`, which
 * holds the skip rule: an unreachable Redis skips locally with a visible message and fails
 * under CI=true): the URL when Redis is there, and a key prefix per store instance.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { REDIS_URL, redisAvailable } from './redis.js';

/** The Redis URL to test against, or `undefined` when the Redis tests are skipped (locally only). */
export async function requireRedis(): Promise<string | undefined> {
  return (await redisAvailable()) ? REDIS_URL : undefined;
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `t_${randomBytes(6).toString('hex')}:`;
}

/** Delete every key under `prefix`. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
