/** The pure helpers behind the identity API: secrets at rest, comparisons, caches, errors. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES, ProtocolError, UnauthorizedError } from '@idsvc/protocol';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { BoundedCache } from '../../src/lib/bounded-cache.js';
import { safeEqual, safeEqualTo } from '../../src/lib/constant-time.js';
import { resolveMasterKey } from '../../src/lib/master-key.js';
import { InvalidClientError } from '../../src/lib/oauth-error.js';
import { toWireError } from '../../src/ops/wire-errors.js';
import { SecretBox, SecretBoxError } from '../../src/lib/secret-box.js';
import { scryptSync } from 'node:crypto';
import { hashSecret, needsRehash, verifySecret } from '../../src/lib/secret-hash.js';
import { StoreFullError, StoreUnavailableError } from '../../src/stores/errors.js';

describe('secret box (AES-256-GCM at rest)', () => {
  const key = Buffer.alloc(32, 9);

  it('opens what it sealed, under the same context, and seals differently every time', () => {
    const box = new SecretBox(key);
    const a = box.seal(Buffer.from('hello'), 'ctx');
    const b = box.seal(Buffer.from('hello'), 'ctx');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(box.open(a, 'ctx').toString()).toBe('hello');
  });

  it('refuses another context, another key, a tampered box and an unknown version, without saying which', () => {
    const box = new SecretBox(key);
    const sealed = box.seal(Buffer.from('hello'), 'client-secret:a');
    expect(() => box.open(sealed, 'client-secret:b')).toThrow(SecretBoxError);
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'client-secret:a')).toThrow(SecretBoxError);
    const body = Buffer.from(sealed.slice(3), 'base64url');
    body[body.length - 1]! ^= 1;
    expect(() => box.open(`v1.${body.toString('base64url')}`, 'client-secret:a')).toThrow('secret box does not open');
    expect(() => box.open(`v2.${sealed.slice(3)}`, 'client-secret:a')).toThrow(SecretBoxError);
    expect(() => box.open('v1.AAAA', 'client-secret:a')).toThrow(SecretBoxError);
  });

  it('refuses a master key that is not 32 bytes, and is unusable once destroyed', () => {
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(TypeError);
    const box = new SecretBox(key);
    const sealed = box.seal(Buffer.from('x'), 'c');
    box.destroy();
    expect(() => box.open(sealed, 'c')).toThrow(SecretBoxError);
  });
});

describe('secret hashing (scrypt)', () => {
  it('verifies the secret it hashed and refuses any other, including one differing only after byte 72', async () => {
    const secret = Buffer.from(`${'x'.repeat(72)}tail-1`);
    const hash = await hashSecret(secret);
    expect(hash).toMatch(/^scrypt2\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(needsRehash(hash)).toBe(false);
    expect(await verifySecret(secret, hash)).toBe(true);
    expect(await verifySecret(Buffer.from(`${'x'.repeat(72)}tail-2`), hash)).toBe(false);
    expect(await verifySecret(Buffer.from('x'.repeat(72)), hash)).toBe(false);
  });

  it('verifies only the exact secret bytes: trailing zero bytes do not alias (HMAC key padding)', async () => {
    const hash = await hashSecret(Buffer.from('secret'));
    expect(await verifySecret(Buffer.from('secret'), hash)).toBe(true);
    for (const alias of ['secret\0', 'secret\0\0', `secret${'\0'.repeat(58)}`]) {
      expect(await verifySecret(Buffer.from(alias), hash)).toBe(false);
    }
  });

  it('still reads a first-version hash (scrypt of the raw secret), refuses its padding alias, and asks for a rehash', async () => {
    // The first version's format, built here from its definition: scrypt over the raw secret.
    const salt = Buffer.from('0123456789abcdef');
    const raw = scryptSync(Buffer.from('secret'), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = `scrypt$15$8$1$${salt.toString('base64url')}$${raw.toString('base64url')}`;
    // The construction itself aliased: scrypt of `secret\0` is the very same key.
    expect(scryptSync(Buffer.from('secret\0'), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).equals(raw)).toBe(true);
    expect(await verifySecret(Buffer.from('secret'), legacy)).toBe(true);
    expect(await verifySecret(Buffer.from('secret\0'), legacy)).toBe(false);
    expect(await verifySecret(Buffer.from('secreT'), legacy)).toBe(false);
    expect(needsRehash(legacy)).toBe(true);
  });

  it('salts every hash, and treats a malformed stored hash as a mismatch', async () => {
    const secret = Buffer.from('same secret');
    expect(await hashSecret(secret)).not.toBe(await hashSecret(secret));
    for (const stored of ['', 'bcrypt$x', 'scrypt$15$8$1$salt', 'scrypt$99$8$1$c2FsdA$aGFzaA', 'scrypt$15$8$1$c2FsdA$dG9vLXNob3J0']) {
      expect(await verifySecret(secret, stored)).toBe(false);
    }
  });
});

describe('safeEqual', () => {
  it('compares whole values of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual(Buffer.from('k'.repeat(100) + 'a'), 'k'.repeat(100) + 'b')).toBe(false);
  });

  it('compares against one fixed secret the same way', () => {
    const matches = safeEqualTo('k'.repeat(100) + 'a');
    expect(matches('k'.repeat(100) + 'a')).toBe(true);
    expect(matches(Buffer.from('k'.repeat(100) + 'a'))).toBe(true);
    expect(matches('k'.repeat(100) + 'b')).toBe(false);
    expect(matches('k'.repeat(100))).toBe(false);
    expect(matches('')).toBe(false);
  });
});

describe('BoundedCache', () => {
  it('keeps at most its size, dropping the least recently used entry first', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
    cache.deleteWhere((v) => v === 1);
    expect(cache.get('a')).toBeUndefined();
  });
});

describe('OAuth error mapping', () => {
  it('keeps our errors, maps protocol errors by code, framework 4xx to their OAuth answer and the rest to 500', () => {
    expect(toWireError(new InvalidClientError('detail')).toBody()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' });
    expect(toWireError(new ProtocolError('invalid_timestamp', 'why')).status).toBe(400);
    expect(toWireError(Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).toBody().error).toBe('invalid_request');
    expect(toWireError(Object.assign(new Error('x'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })).status).toBe(415);
    // The sidecar's stores, through the same translation: retry later, never a 500.
    expect(toWireError(new StoreUnavailableError('redis down')).toBody()).toEqual({ error: 'temporarily_unavailable', error_description: ERROR_CODES.temporarily_unavailable.description });
    expect(toWireError(new StoreFullError('nonce store full')).status).toBe(503);
    // One hierarchy: the identity API's OAuth errors are protocol errors, and unauthorized is one class.
    expect(new InvalidClientError()).toBeInstanceOf(ProtocolError);
    expect(toWireError(new UnauthorizedError('why')).toBody()).toEqual({ error: 'unauthorized', error_description: ERROR_CODES.unauthorized.description });
    const internal = toWireError(new TypeError('secret detail'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.toBody())).not.toContain('secret detail');
  });
});

describe('master key resolution', () => {
  it('uses MASTER_KEY when set, and refuses to run without it in production', async () => {
    const key = Buffer.alloc(32, 3);
    const config = loadConfig({ MASTER_KEY: key.toString('base64'), ADMIN_TOKEN: 'a'.repeat(32) });
    expect(await resolveMasterKey(config)).toEqual(key);
    await expect(resolveMasterKey({ ...config, masterKey: undefined })).rejects.toThrow(/MASTER_KEY is required/);
  });

  it('in development without MASTER_KEY, creates dev-master.key (0600) next to the database once and refuses a corrupt one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idsvc-key-'));
    try {
      const config = loadConfig({ MODE: 'development', SQLITE_PATH: join(dir, 'nested', 'identity.db') });
      const warnings: string[] = [];
      const log = { warn: (a: object | string, b?: string) => void warnings.push(typeof a === 'string' ? a : b ?? '') };
      const first = await resolveMasterKey(config, log);
      const second = await resolveMasterKey(config, log);
      expect(first).toHaveLength(32);
      expect(second).toEqual(first);
      expect((await stat(join(dir, 'nested', 'dev-master.key'))).mode & 0o777).toBe(0o600);
      expect(warnings.length).toBe(2);
      await writeFile(join(dir, 'nested', 'dev-master.key'), 'c2hvcnQ=');
      await expect(resolveMasterKey(config)).rejects.toThrow(/not 32 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
