import type { Redis } from 'ioredis';
import { StoreUnavailableError } from './errors.js';
import { type NonceStore, nonceKey } from './nonce-store.js';

/** Options of {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** A connected client; the store does not close it. */
  redis: Redis;
  /** Prefix of every key (REDIS_KEY_PREFIX), e.g. `idsvc:`. */
  keyPrefix: string;
}

/**
 * Nonces shared by every sidecar instance: one `SET key 1 NX PX ttl` per nonce, atomic
 * in Redis, so a nonce replayed to another instance is still caught and expiry is Redis's.
 *
 * @example
 * ```ts
 * const nonces = new RedisNonceStore({ redis: new Redis(url), keyPrefix: 'idsvc:' });
 * ```
 */
export class RedisNonceStore implements NonceStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisNonceStoreOptions) {
    this.redis = options.redis;
    this.prefix = `${options.keyPrefix}nonce:`;
  }

  async remember(clientId: string, nonce: string, ttlSec: number): Promise<boolean> {
    let answer: string | null;
    try {
      answer = await this.redis.set(this.prefix + nonceKey(clientId, nonce), '1', 'PX', ttlSec * 1000, 'NX');
    } catch (err) {
      throw new StoreUnavailableError('redis nonce store did not answer', { cause: err });
    }
    return answer === 'OK';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
