/**
 * The sidecar's stores, chosen from configuration: in memory for one process, or in Redis
 * (REDIS_URL) shared by every instance.
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, type Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import { MemoryNonceStore } from './memory-nonce-store.js';
import { MemorySessionStore } from './memory-session-store.js';
import type { NonceStore } from './nonce-store.js';
import { RedisNonceStore } from './redis-nonce-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import type { SessionStore } from './session-store.js';

export type { NonceStore } from './nonce-store.js';
export type { Session, SessionStore, SessionType } from './session-store.js';
export { MemoryNonceStore } from './memory-nonce-store.js';
export { MemorySessionStore } from './memory-session-store.js';
export { RedisNonceStore } from './redis-nonce-store.js';
export { RedisSessionStore } from './redis-session-store.js';
export { StoreFullError, StoreUnavailableError } from './errors.js';

/** A session store and a nonce store that close together. */
export interface SidecarStores {
  readonly kind: 'memory' | 'redis';
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  /** Resolves when the backing service answers (readiness); absent for memory stores, which always can. */
  ping?(): Promise<void>;
  /** Close both stores and the connection they share. */
  close(): Promise<void>;
}

/** Options of {@link createStores}. */
export interface CreateStoresOptions {
  clock?: Clock;
  /** Where Redis connection trouble is reported. */
  logger?: FastifyBaseLogger;
  /** The master key, when it does not come from `config.masterKey` (the development key file). */
  masterKey?: Uint8Array;
}

/**
 * Memory stores, or Redis stores sharing one connection when `config.redis.url` is set.
 * Redis needs the master key, which encrypts session records at rest.
 *
 * @throws ConfigError when REDIS_URL is set without MASTER_KEY.
 */
export function createStores(config: Config, options: CreateStoresOptions = {}): SidecarStores {
  const url = config.redis.url;
  if (url === undefined) return memoryStores(config, options.clock);
  const masterKey = options.masterKey ?? config.masterKey;
  if (masterKey === undefined) {
    throw new ConfigError(['MASTER_KEY: required when REDIS_URL is set (session keys are encrypted at rest in Redis)']);
  }
  const redis = new Redis(url, {
    // Fail a request quickly (503) rather than queueing it while Redis is away; a Redis
    // that accepts connections but does not answer fails commands after commandTimeout.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
  });
  // Commands sent before the first connection wait for it (start-up); from then on, while
  // Redis is away, they fail at once instead of queueing (fail closed: 503), and the client
  // reconnects by itself in the background.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  redis.on('error', (err: Error) => options.logger?.warn({ err: { message: err.message } }, 'redis connection error'));
  // QUIT needs a live connection; without one there is nothing to say goodbye to.
  const closeConnection = (): Promise<void> => redis.quit().then(
    () => undefined,
    () => redis.disconnect(),
  );
  return redisStores(redis, config.redis.keyPrefix, masterKey, options.clock, closeConnection);
}

/** In-memory stores bounded by MEMORY_SESSION_MAX and MEMORY_NONCE_MAX. */
export function memoryStores(config: Config, clock?: Clock): SidecarStores {
  const sessions = new MemorySessionStore({ maxEntries: config.sidecar.memorySessionMax, clock });
  const nonces = new MemoryNonceStore({ maxEntries: config.sidecar.memoryNonceMax, clock });
  return {
    kind: 'memory',
    sessions,
    nonces,
    close: async () => {
      await Promise.all([sessions.close(), nonces.close()]);
    },
  };
}

/**
 * Redis stores over an existing connection. `closeConnection` runs after both stores close;
 * pass a no-op when the caller keeps the connection.
 */
export function redisStores(
  redis: Redis,
  keyPrefix: string,
  masterKey: Uint8Array,
  clock?: Clock,
  closeConnection: () => Promise<void> = () => Promise.resolve(),
): SidecarStores {
  const sessions = new RedisSessionStore({ redis, keyPrefix, masterKey, clock });
  const nonces = new RedisNonceStore({ redis, keyPrefix });
  return {
    kind: 'redis',
    sessions,
    nonces,
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await Promise.all([sessions.close(), nonces.close()]);
      await closeConnection();
    },
  };
}
