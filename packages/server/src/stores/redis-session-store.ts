import { hkdfSync } from 'node:crypto';
import { openSync, sealSync, zeroize } from '@idsvc/protocol';
import type { Redis } from 'ioredis';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { StoreUnavailableError } from './errors.js';
import type { Session, SessionStore, SessionType } from './session-store.js';

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** A connected client; the store does not close it. */
  redis: Redis;
  /** Prefix of every key (REDIS_KEY_PREFIX), e.g. `idsvc:`. */
  keyPrefix: string;
  /** The 32-byte master key (MASTER_KEY); session records are encrypted under a key derived from it. */
  masterKey: Uint8Array;
  /** Most live sessions per client id (SESSION_CLIENT_MAX). */
  clientMax?: number;
  clock?: Clock;
}

/** Default of `clientMax`, the default of SESSION_CLIENT_MAX. */
export const DEFAULT_SESSION_CLIENT_MAX = 10_000;

/**
 * Store a session and keep its client within its budget, atomically. KEYS: the session's
 * record, its client's index of anonymous sessions, of authenticated ones, and the
 * client's counter. ARGV: record, TTL (ms), session id, 'u' when authenticated, now,
 * expiry, budget, record key prefix. An index is a sorted set scored by expiry whose
 * members are `<sequence>:<session id>`, the sequence zero-padded, so that sessions of
 * equal expiry still leave in the order they came. Beyond the budget the client's oldest
 * anonymous sessions go, then its oldest authenticated ones.
 */
const PUT_SCRIPT = `
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
local index = KEYS[2]
if ARGV[4] == 'u' then index = KEYS[3] end
local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', index, ARGV[6], string.format('%016d', seq) .. ':' .. ARGV[3])
for _, key in ipairs({ index, KEYS[4] }) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ARGV[2]) end
end
local excess = redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[7])
while excess > 0 do
  local popped = redis.call('ZPOPMIN', KEYS[2])
  if #popped == 0 then popped = redis.call('ZPOPMIN', KEYS[3]) end
  if #popped == 0 then break end
  redis.call('DEL', ARGV[8] .. string.sub(popped[1], 18))
  excess = excess - 1
end
return 1
`;

type PutCommand = (record: string, anonymous: string, authenticated: string, counter: string, ...args: string[]) => Promise<number>;

const KEY_BYTES = 32;
/** HKDF info of the record key: a key of its own, so the master key encrypts nothing directly. */
const RECORD_KEY_INFO = 'idsvc|session-store|v1';

/** What a stored record holds besides the key, as JSON after the 32 key bytes. */
interface StoredMeta {
  c: string;
  t: SessionType;
  s?: string;
  e: number;
}

/**
 * Sessions shared by every sidecar instance, in Redis. Memory is bounded by expiry (every
 * key expires with the sessions it holds) and by `clientMax` live sessions per client id,
 * kept in an index per client id, `<prefix>client-sessions:<len>:<client id>:anonymous`
 * (and `:authenticated`): one client's flood of session inits evicts only its own oldest
 * anonymous sessions.
 *
 * Each session is one string key, `<prefix>session:<id>`, that expires by Redis TTL at the
 * session's expiry. The value is an AES-256-GCM envelope (the protocol's `sealSync`) of
 * `key (32 bytes) || JSON {client id, type, subject, expiry}` under a key derived from the
 * master key, with the session id as AAD: Redis never holds a session key in clear, and a
 * record edited or moved to another id no longer opens.
 *
 * @example
 * ```ts
 * const sessions = new RedisSessionStore({ redis, keyPrefix: 'idsvc:', masterKey });
 * ```
 */
export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly indexPrefix: string;
  private readonly recordKey: Buffer;
  private readonly clock: Clock;
  private readonly clientMax: number;
  private readonly putCommand: PutCommand;

  constructor(options: RedisSessionStoreOptions) {
    if (options.masterKey.length !== KEY_BYTES) throw new TypeError('masterKey must be 32 bytes');
    this.redis = options.redis;
    this.prefix = `${options.keyPrefix}session:`;
    this.indexPrefix = `${options.keyPrefix}client-sessions:`;
    this.clock = options.clock ?? systemClock;
    this.clientMax = options.clientMax ?? DEFAULT_SESSION_CLIENT_MAX;
    // EVALSHA with a fallback to EVAL when Redis does not know the script yet.
    this.redis.defineCommand('idsvcPutSession', { numberOfKeys: 4, lua: PUT_SCRIPT });
    this.putCommand = (this.redis as unknown as Record<string, PutCommand>).idsvcPutSession!.bind(this.redis);
    this.recordKey = Buffer.from(hkdfSync('sha256', options.masterKey, new Uint8Array(0), RECORD_KEY_INFO, KEY_BYTES));
  }

  async put(session: Session): Promise<void> {
    const ttlMs = session.expiresAtMs - this.clock.now();
    if (ttlMs <= 0) {
      zeroize(session.key);
      return;
    }
    const meta: StoredMeta = { c: session.clientId, t: session.type, e: session.expiresAtMs };
    if (session.subject !== undefined) meta.s = session.subject;
    const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
    const plaintext = Buffer.allocUnsafe(KEY_BYTES + metaBytes.length);
    plaintext.set(session.key, 0);
    metaBytes.copy(plaintext, KEY_BYTES);
    let record: string;
    try {
      record = sealSync(this.recordKey, Buffer.from(session.id, 'utf8'), plaintext);
    } finally {
      zeroize(plaintext, session.key);
    }
    try {
      const index = `${this.indexPrefix}${session.clientId.length}:${session.clientId}`;
      await this.putCommand(
        this.prefix + session.id,
        `${index}:anonymous`,
        `${index}:authenticated`,
        `${index}:sequence`,
        record,
        String(ttlMs),
        session.id,
        session.type === 'authenticated' ? 'u' : 'a',
        String(this.clock.now()),
        String(session.expiresAtMs),
        String(this.clientMax),
        this.prefix,
      );
    } catch (err) {
      throw new StoreUnavailableError('redis session store did not answer', { cause: err });
    }
  }

  async get(sessionId: string): Promise<Session | undefined> {
    let record: string | null;
    try {
      record = await this.redis.get(this.prefix + sessionId);
    } catch (err) {
      throw new StoreUnavailableError('redis session store did not answer', { cause: err });
    }
    if (record === null) return undefined;
    let plaintext: Uint8Array;
    try {
      plaintext = openSync(this.recordKey, Buffer.from(sessionId, 'utf8'), record);
    } catch {
      // A record that does not open under this id is treated as no session at all.
      return undefined;
    }
    try {
      if (plaintext.length <= KEY_BYTES) return undefined;
      const meta = parseMeta(Buffer.from(plaintext.buffer, plaintext.byteOffset + KEY_BYTES, plaintext.length - KEY_BYTES));
      if (meta === undefined || meta.e <= this.clock.now()) return undefined;
      return {
        id: sessionId,
        clientId: meta.c,
        type: meta.t,
        subject: meta.s,
        expiresAtMs: meta.e,
        // A copy (Buffer.slice would share memory with the plaintext zeroized below).
        key: new Uint8Array(plaintext.subarray(0, KEY_BYTES)),
      };
    } finally {
      zeroize(plaintext);
    }
  }

  async delete(sessionId: string): Promise<void> {
    try {
      await this.redis.del(this.prefix + sessionId);
    } catch (err) {
      throw new StoreUnavailableError('redis session store did not answer', { cause: err });
    }
  }

  close(): Promise<void> {
    zeroize(this.recordKey);
    return Promise.resolve();
  }
}

function parseMeta(bytes: Buffer): StoredMeta | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const meta = value as Partial<StoredMeta>;
  if (typeof meta.c !== 'string' || typeof meta.e !== 'number') return undefined;
  if (meta.t !== 'anonymous' && meta.t !== 'authenticated') return undefined;
  if (meta.s !== undefined && typeof meta.s !== 'string') return undefined;
  return { c: meta.c, t: meta.t, e: meta.e, ...(meta.s !== undefined ? { s: meta.s } : {}) };
}
