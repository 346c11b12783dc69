/**
 * The secrets' formats, at their boundaries: the admin token and the internal secret are
 * at least 32 characters, the master key exactly 32 bytes of standard base64. A weaker
 * rule would let an operator start production with a guessable secret. And DATABASE_URL:
 * a postgres:// or postgresql:// URL selects PostgreSQL, anything else is refused.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, type RawEnv, loadConfig } from '../src/config.js';

const MASTER_KEY = randomBytes(32).toString('base64');
const production = (env: RawEnv): RawEnv => ({ MODE: 'production', MASTER_KEY, ADMIN_TOKEN: 'a'.repeat(32), ...env });

/** The variables `loadConfig` complains about, or `[]` when it accepts the configuration. */
function refused(env: RawEnv): string[] {
  try {
    loadConfig(env, { role: 'serve' });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => p.split(':')[0]!);
  }
}

describe('ADMIN_TOKEN', () => {
  it('takes 32 characters and refuses 31, 1 and an empty value', () => {
    expect(refused(production({ ADMIN_TOKEN: 'x'.repeat(32) }))).toEqual([]);
    expect(loadConfig(production({ ADMIN_TOKEN: 'x'.repeat(32) }), { role: 'serve' }).adminToken).toBe('x'.repeat(32));
    expect(refused(production({ ADMIN_TOKEN: 'x'.repeat(31) }))).toEqual(['ADMIN_TOKEN']);
    expect(refused(production({ ADMIN_TOKEN: 'x' }))).toEqual(['ADMIN_TOKEN']);
  });
});

describe('INTERNAL_SECRET', () => {
  it('takes 32 characters and refuses 31', () => {
    expect(refused(production({ INTERNAL_SECRET: 'i'.repeat(32) }))).toEqual([]);
    expect(refused(production({ INTERNAL_SECRET: 'i'.repeat(31) }))).toEqual(['INTERNAL_SECRET']);
  });
});

describe('MASTER_KEY', () => {
  it('takes 32 bytes of standard base64 and hands the bytes on', () => {
    const key = randomBytes(32);
    const config = loadConfig(production({ MASTER_KEY: key.toString('base64') }), { role: 'serve' });
    expect(Buffer.from(config.masterKey as Uint8Array).equals(key)).toBe(true);
  });

  it.each([
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['hex of 32 bytes', randomBytes(32).toString('hex')],
    ['base64url of 32 bytes (no padding)', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['44 characters that are not base64', '!'.repeat(44)],
    ['32 bytes of base64 with a line break', `${Buffer.alloc(32, 7).toString('base64').slice(0, 20)}\n${Buffer.alloc(32, 7).toString('base64').slice(20)}`],
    ['a passphrase', 'correct horse battery staple, long enough'],
  ])('refuses %s', (_what, value) => {
    expect(refused(production({ MASTER_KEY: value }))).toEqual(['MASTER_KEY']);
  });
});

describe('DATABASE_URL', () => {
  it.each(['postgres://user:pw@127.0.0.1:5432/identity', 'postgresql://127.0.0.1/identity'])('takes %s and uses PostgreSQL', (url) => {
    expect(loadConfig(production({ DATABASE_URL: url }), { role: 'serve' }).database.url).toBe(url);
  });

  it('(control) unset, the SQLite file is used', () => {
    expect(loadConfig(production({}), { role: 'serve' }).database.url).toBeUndefined();
  });

  it.each(['mysql://u:pw@db/x', 'http://127.0.0.1:5432/identity', '127.0.0.1:5432/identity', 'Postgres://db/x'])('refuses %s, without repeating it', (url) => {
    const problems = (() => {
      try {
        loadConfig(production({ DATABASE_URL: url }), { role: 'serve' });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    })();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(problems[0]).not.toContain(url.trim());
  });
});
