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
  clock?: Clock;
}

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
 * Sessions shared by every sidecar instance, in Redis.
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
  private readonly recordKey: Buffer;
  private readonly clock: Clock;

  constructor(options: RedisSessionStoreOptions) {
    if (options.masterKey.length !== KEY_BYTES) throw new TypeError('masterKey must be 32 bytes');
    this.redis = options.redis;
    this.prefix = `${options.keyPrefix}session:`;
    this.clock = options.clock ?? systemClock;
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
      await this.redis.set(this.prefix + session.id, record, 'PX', ttlMs);
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
