import type { Redis } from 'ioredis';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { StoreUnavailableError } from './errors.js';
import { type NonceStore, type NonceUse, type NonceVerdict, nonceDigest } from './nonce-store.js';

/** Options of {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** A connected client; the store does not close it. */
  redis: Redis;
  /** Prefix of every key (REDIS_KEY_PREFIX), e.g. `idsvc:`. */
  keyPrefix: string;
  /** Most nonces kept per scope (NONCE_SCOPE_MAX). */
  scopeMax?: number;
  clock?: Clock;
}

/** Default of `scopeMax`, the default of NONCE_SCOPE_MAX. */
export const DEFAULT_NONCE_SCOPE_MAX = 10_000;

/**
 * One use of a nonce, atomically. KEYS: the scope's sorted set (digest scored by
 * timestamp) and its watermark. ARGV: digest, timestamp, now, TTL (ms), scope bound.
 * Answers 1 fresh, 0 replay, 2 stale. Numbers are written with %.0f: Lua's own
 * conversion would put a millisecond timestamp in exponent notation.
 */
const REMEMBER_SCRIPT = `
local ts = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local max = tonumber(ARGV[5])
if ts + ttl <= now then return 2 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - ttl))
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local wm = tonumber(redis.call('GET', KEYS[2]))
if wm and ts <= wm then return 2 end
redis.call('ZADD', KEYS[1], string.format('%.0f', ts), ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - max
if excess > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], excess)
  local top = tonumber(popped[#popped])
  if not wm or top > wm then wm = top end
  redis.call('SET', KEYS[2], string.format('%.0f', wm), 'PX', string.format('%.0f', wm + ttl - now))
end
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', tonumber(newest[2]) + ttl - now))
end
return 1
`;

type RememberCommand = (set: string, watermark: string, digest: string, ts: string, now: string, ttlMs: string, max: string) => Promise<number>;

/**
 * Nonces shared by every sidecar instance, with the memory store's semantics per scope
 * (docs/protocol.md section 6): one sorted set per scope, `<prefix>nonce:<scope>`, of
 * 16-byte digests scored by timestamp, bounded by `scopeMax`; when the bound makes the set
 * drop its lowest timestamps, `<prefix>nonce-wm:<scope>` keeps the highest of them. One Lua
 * script checks and records, so a nonce replayed to another instance is still caught.
 * Memory is bounded by the scope bound and by expiry: a set lives until its newest nonce is
 * `ttl` past its timestamp, a watermark until it is itself `ttl` old.
 *
 * @example
 * ```ts
 * const nonces = new RedisNonceStore({ redis: new Redis(url), keyPrefix: 'idsvc:' });
 * ```
 */
export class RedisNonceStore implements NonceStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly scopeMax: number;
  private readonly clock: Clock;
  private readonly command: RememberCommand;

  constructor(options: RedisNonceStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.keyPrefix;
    this.scopeMax = options.scopeMax ?? DEFAULT_NONCE_SCOPE_MAX;
    this.clock = options.clock ?? systemClock;
    // EVALSHA with a fallback to EVAL when Redis does not know the script yet.
    this.redis.defineCommand('idsvcRememberNonce', { numberOfKeys: 2, lua: REMEMBER_SCRIPT });
    const redis = this.redis as unknown as Record<string, RememberCommand>;
    this.command = redis.idsvcRememberNonce!.bind(this.redis);
  }

  async remember(use: NonceUse): Promise<NonceVerdict> {
    let answer: number;
    try {
      answer = await this.command(
        `${this.prefix}nonce:${use.scope}`,
        `${this.prefix}nonce-wm:${use.scope}`,
        nonceDigest(use.nonce),
        String(use.timestampMs),
        String(this.clock.now()),
        String(use.ttlSec * 1000),
        String(this.scopeMax),
      );
    } catch (err) {
      throw new StoreUnavailableError('redis nonce store did not answer', { cause: err });
    }
    return answer === 1 ? 'fresh' : answer === 0 ? 'replay' : 'stale';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
