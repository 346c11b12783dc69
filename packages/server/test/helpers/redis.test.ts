/**
 * The skip rule the Redis tests rely on: locally an unreachable Redis skips them with a
 * visible message; under CI=true it fails them instead, so CI never passes by skipping.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The shared Redis helper, loaded afresh with Redis pointed at a closed port. */
async function helperWithoutRedis(ci: boolean) {
  vi.stubEnv('TEST_REDIS_URL', 'redis://127.0.0.1:1');
  vi.stubEnv('CI', ci ? 'true' : '');
  vi.resetModules();
  return import('./redis.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('Redis tests when Redis is unreachable', () => {
  it('fail under CI=true', async () => {
    const { redisAvailable } = await helperWithoutRedis(true);
    await expect(redisAvailable()).rejects.toThrow(/unreachable under CI=true/);
  });

  it('skip locally with a visible message', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { redisAvailable } = await helperWithoutRedis(false);
      expect(await redisAvailable()).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING Redis tests'));
    } finally {
      warn.mockRestore();
    }
  });
});
