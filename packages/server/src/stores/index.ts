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
import { type NonceStore, sessionNonceScope } from './nonce-store.js';
import { RedisNonceStore } from './redis-nonce-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import type { SessionStore } from './session-store.js';

export type { NonceStore, NonceUse, NonceVerdict } from './nonce-store.js';
export { initNonceScope, nonceDigest, sessionNonceScope } from './nonce-store.js';
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
  const redis = connectRedis(url, options.logger);
  // QUIT needs a live connection; without one there is nothing to say goodbye to.
  const closeConnection = (): Promise<void> => redis.quit().then(
    () => undefined,
    () => redis.disconnect(),
  );
  return redisStores(redis, config.redis.keyPrefix, masterKey, options.clock, closeConnection, storeLimits(config));
}

/**
 * The connection the Redis stores share, as the sidecar opens it.
 *
 * Auto-pipelining: commands issued within one turn of the event loop leave in one socket
 * write, and their answers come back together. Without it every session init pays a write
 * system call for its nonce `SET NX` and another for its session `SET` (the largest cost of
 * the Redis stores in a CPU profile); with it, the requests in flight share them: about
 * 0.04 writes per request at 50 connections instead of 2. Measured on session init through
 * the scaled stack, with and without it taking turns against the bare ECDH + HKDF route
 * (five runs): 0.66-0.74x of that route's throughput became 0.72-0.88x. Each command is
 * still answered, and fails, on its own. One batch is in flight at a time and the next
 * waits behind it, so a Redis that stops answering without closing the connection fails a
 * request after at most two `commandTimeout`s (4 s) rather than one.
 */
export function connectRedis(url: string, logger?: FastifyBaseLogger): Redis {
  const redis = new Redis(url, {
    // Fail a request quickly (503) rather than queueing it while Redis is away; a Redis
    // that accepts connections but does not answer fails commands after commandTimeout.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    enableAutoPipelining: true,
  });
  // Commands sent before the first connection wait for it (start-up); from then on, while
  // Redis is away, they fail at once instead of queueing (fail closed: 503), and the client
  // reconnects by itself in the background.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  redis.on('error', (err: Error) => logger?.warn({ err: { message: err.message } }, 'redis connection error'));
  return redis;
}

/** The per-party bounds both kinds of store apply. */
export interface StoreLimits {
  /** NONCE_SCOPE_MAX */
  nonceScopeMax: number;
  /** SESSION_CLIENT_MAX */
  sessionClientMax: number;
}

/** The per-party bounds of a configuration. */
export function storeLimits(config: Config): StoreLimits {
  return { nonceScopeMax: config.sidecar.nonceScopeMax, sessionClientMax: config.sidecar.sessionClientMax };
}

/**
 * In-memory stores bounded by MEMORY_SESSION_MAX and MEMORY_NONCE_MAX in all, and by
 * SESSION_CLIENT_MAX and NONCE_SCOPE_MAX per party. A session that goes takes the nonce
 * scope of its sealed requests with it: no request can reach that scope any more.
 */
export function memoryStores(config: Config, clock?: Clock): SidecarStores {
  const limits = storeLimits(config);
  const nonces = new MemoryNonceStore({ maxEntries: config.sidecar.memoryNonceMax, scopeMax: limits.nonceScopeMax, clock });
  const sessions = new MemorySessionStore({
    maxEntries: config.sidecar.memorySessionMax,
    clientMax: limits.sessionClientMax,
    clock,
    onDrop: (sessionId) => nonces.forgetScope(sessionNonceScope(sessionId)),
  });
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
  limits?: StoreLimits,
): SidecarStores {
  const sessions = new RedisSessionStore({ redis, keyPrefix, masterKey, clock, clientMax: limits?.sessionClientMax });
  const nonces = new RedisNonceStore({ redis, keyPrefix, clock, scopeMax: limits?.nonceScopeMax });
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
