/**
 * Configuration: every problem reported in one pass and in plain words, the rules of each
 * command, the defaults, and `.env.example` kept in step with the declaration.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, type LoadConfigOptions, type ProcessRole, type RawEnv, loadConfig, variablesOf } from '../src/config.js';
import { renderServerPart, withServerPart } from '../src/config/env-example.js';

const MASTER_KEY = Buffer.alloc(32, 1).toString('base64');
const ADMIN_TOKEN = 'a'.repeat(32);
const INTERNAL_SECRET = 'i'.repeat(32);

/** The problems `loadConfig` reports, or `[]` when it accepts the configuration. */
function problems(env: RawEnv, options: LoadConfigOptions = {}): readonly string[] {
  try {
    loadConfig(env, options);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('problems, in one pass and in plain words', () => {
  it('says what a port must be and what it got', () => {
    expect(problems({ MODE: 'development', IDENTITY_PORT: 'abc' })).toEqual(['IDENTITY_PORT: must be an integer from 0 to 65535 (got "abc")']);
    expect(problems({ MODE: 'development', SIDECAR_PORT: '70000' })).toEqual(['SIDECAR_PORT: must be an integer from 0 to 65535 (got "70000")']);
  });

  it('reports a bad master key and a missing admin token together', () => {
    expect(problems({ MODE: 'production', MASTER_KEY: 'abc' })).toEqual([
      'MASTER_KEY: must be 32 bytes in standard base64 (44 characters), e.g. the output of `openssl rand -base64 32` (got 3 characters, not shown)',
      'ADMIN_TOKEN: required in production mode',
    ]);
  });

  it('reports every bad value at once, in the order of .env.example, in one message', () => {
    const env = {
      MODE: 'development',
      LOG_LEVEL: 'loud',
      ISSUER: 'not a url',
      SEED_DEV_CLIENTS: 'maybe',
      CLOCK_SKEW: '-5',
      BODY_LIMIT: '10',
      REDIS_URL: 'http://cache:6379',
    };
    const found = problems(env);
    expect(found).toEqual([
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'ISSUER: must be an absolute URL, e.g. http://localhost:8140 (got "not a url")',
      'SEED_DEV_CLIENTS: must be true or false (or 1/0, yes/no) (got "maybe")',
      'CLOCK_SKEW: must be an integer of at least 1 (got "-5")',
      'BODY_LIMIT: must be an integer of at least 1024 (got "10")',
      'REDIS_URL: must be a redis:// or rediss:// URL (got 17 characters, not shown)',
    ]);
    expect(() => loadConfig(env)).toThrow(/^invalid configuration:\n {2}- LOG_LEVEL: .*\n {2}- ISSUER: /);
  });

  it('never repeats a secret, or a URL that may carry a password', () => {
    const env = { MODE: 'development', ADMIN_TOKEN: 'hunter2-admin', INTERNAL_SECRET: 'hunter2-internal', MASTER_KEY: 'hunter2-key', DATABASE_URL: 'mysql://u:hunter2@db/x' };
    const found = problems(env);
    expect(found.map((p) => p.split(':')[0])).toEqual(['DATABASE_URL', 'MASTER_KEY', 'ADMIN_TOKEN', 'INTERNAL_SECRET']);
    for (const problem of found) expect(problem).not.toContain('hunter2');
    expect(found[2]).toBe('ADMIN_TOKEN: must be at least 32 characters (got 13 characters, not shown)');
  });

  it('refuses the development clients in production mode, whatever else is right', () => {
    expect(problems({ MODE: 'production', MASTER_KEY, ADMIN_TOKEN, SEED_DEV_CLIENTS: 'yes' })).toEqual([
      'SEED_DEV_CLIENTS: development clients are never seeded in production mode',
    ]);
  });

  it('applies no rule of a mode when MODE itself is wrong', () => {
    expect(problems({ MODE: 'prod' })).toEqual(['MODE: must be one of development, production (got "prod")']);
  });
});

describe('each command asks only for what it uses', () => {
  const production = (role: ProcessRole, env: RawEnv = {}): string[] => problems({ MODE: 'production', ...env }, { role }).map((p) => p.split(':')[0] as string);

  it('in production: the whole stack and the identity API need the keys; the identity API apart, the internal secret too', () => {
    expect(production('serve')).toEqual(['MASTER_KEY', 'ADMIN_TOKEN']);
    expect(problems({ MODE: 'production' })).toEqual(['MASTER_KEY: required in production mode', 'ADMIN_TOKEN: required in production mode']);
    expect(production('identity')).toEqual(['MASTER_KEY', 'ADMIN_TOKEN', 'INTERNAL_SECRET']);
    expect(production('identity', { MASTER_KEY, ADMIN_TOKEN, INTERNAL_SECRET })).toEqual([]);
  });

  it('a sidecar apart: no admin token, the master key only for sessions kept in Redis', () => {
    expect(problems({ MODE: 'production' }, { role: 'sidecar' })).toEqual([
      'INTERNAL_SECRET: required when the identity API and the sidecar run apart (set the same value on both)',
      'IDENTITY_URL: required for a sidecar apart (or pass --identity-url)',
    ]);
    expect(production('sidecar', { INTERNAL_SECRET, IDENTITY_URL: 'http://127.0.0.1:8140' })).toEqual([]);
    expect(problems({ MODE: 'production', INTERNAL_SECRET, IDENTITY_URL: 'http://127.0.0.1:8140', REDIS_URL: 'redis://127.0.0.1:6379' }, { role: 'sidecar' })).toEqual([
      'MASTER_KEY: required in production mode when REDIS_URL is set',
    ]);
  });

  it('`idsvc clients` needs the master key, not the admin token; `idsvc migrate` needs neither', () => {
    expect(problems({ MODE: 'production' }, { role: 'clients' })).toEqual(['MASTER_KEY: required in production mode']);
    expect(production('clients', { MASTER_KEY })).toEqual([]);
    expect(production('migrate')).toEqual([]);
  });

  it('in development, only the parts run apart need the internal secret', () => {
    expect(problems({ MODE: 'development' }, { role: 'serve' })).toEqual([]);
    expect(problems({ MODE: 'development' }, { role: 'identity' }).map((p) => p.split(':')[0])).toEqual(['INTERNAL_SECRET']);
  });

  it('ignores bad values of the variables a command does not read, and checks them where they are read', () => {
    const env = { MODE: 'production', MASTER_KEY, SIDECAR_PORT: 'eighty', ADMIN_TOKEN: 'short', IDENTITY_URL: 'nowhere' };
    expect(problems(env, { role: 'clients' })).toEqual([]);
    expect(problems(env, { role: 'migrate' })).toEqual([]);
    expect(problems(env, { role: 'serve' }).map((p) => p.split(':')[0])).toEqual(['ADMIN_TOKEN', 'SIDECAR_PORT']);
    // Without a role (a library embedding the stack), every value is checked.
    expect(problems(env).map((p) => p.split(':')[0])).toEqual(['ADMIN_TOKEN', 'SIDECAR_PORT', 'IDENTITY_URL']);
  });

  it('takes a flag over its variable, and names the flag when its value is wrong', () => {
    const env = { MODE: 'development', INTERNAL_SECRET, IDENTITY_URL: 'http://from-env:8140' };
    expect(loadConfig(env, { role: 'sidecar', flags: { IDENTITY_URL: 'http://from-flag:8140' } }).sidecar.identityUrl).toBe('http://from-flag:8140');
    expect(loadConfig(env, { role: 'sidecar', flags: { IDENTITY_URL: undefined } }).sidecar.identityUrl).toBe('http://from-env:8140');
    expect(problems(env, { role: 'sidecar', flags: { IDENTITY_URL: 'ftp://x' } })).toEqual(['--identity-url: must be an http:// or https:// URL (got "ftp://x")']);
  });

  it('lists for each command the variables it reads', () => {
    expect(variablesOf('clients')).toEqual(['MODE', 'DATABASE_URL', 'SQLITE_PATH', 'MASTER_KEY']);
    expect(variablesOf('migrate')).toEqual(['DATABASE_URL', 'SQLITE_PATH']);
    expect(variablesOf('sidecar')).not.toContain('ADMIN_TOKEN');
    expect(variablesOf('serve')).not.toContain('IDENTITY_URL');
  });
});

describe('values', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ MODE: 'development' });
    expect(config).toEqual({
      mode: 'development',
      logLevel: 'info',
      identity: {
        host: '127.0.0.1',
        port: 8140,
        issuer: 'http://localhost:8140',
        accessTokenTtlSec: 900,
        refreshTokenTtlSec: 2_592_000,
        refreshGraceSec: 0,
        signingKeyRotationSec: 2_592_000,
        customClaimsMaxBytes: 4096,
        seedDevClients: true,
      },
      database: { url: undefined, sqlitePath: './data/identity.db' },
      masterKey: undefined,
      adminToken: undefined,
      internalSecret: undefined,
      sidecar: {
        host: '127.0.0.1',
        port: 8141,
        identityUrl: undefined,
        sessionTtlAnonymousSec: 1800,
        sessionTtlAuthenticatedSec: 3600,
        clockSkewSec: 300,
        nonceTtlSec: 600,
        bodyLimitBytes: 65_536,
        corsOrigins: [],
        upstreamTimeoutMs: 5000,
        memoryNonceMax: 1_000_000,
        nonceScopeMax: 10_000,
        memorySessionMax: 100_000,
        sessionClientMax: 10_000,
      },
      redis: { url: undefined, keyPrefix: 'idsvc:' },
      shutdownGraceSec: 10,
    });
    expect(loadConfig({ MODE: 'production', MASTER_KEY, ADMIN_TOKEN }).identity.seedDevClients).toBe(false);
  });

  it('reads each kind of value, trims it, and counts an empty one as unset', () => {
    const config = loadConfig({
      MODE: 'development',
      IDENTITY_PORT: ' 9000 ',
      SEED_DEV_CLIENTS: 'no',
      CORS_ORIGINS: ' https://a.example , ,https://b.example',
      MASTER_KEY,
      SQLITE_PATH: '',
      DATABASE_URL: 'postgresql://u@db/identity',
    });
    expect(config.identity.port).toBe(9000);
    expect(config.identity.seedDevClients).toBe(false);
    expect(config.sidecar.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.masterKey).toEqual(Buffer.alloc(32, 1));
    expect(config.database).toEqual({ url: 'postgresql://u@db/identity', sqlitePath: './data/identity.db' });
  });

  it('is frozen all the way down', () => {
    const config = loadConfig({ MODE: 'development', CORS_ORIGINS: 'https://a.example' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sidecar)).toBe(true);
    expect(Object.isFrozen(config.sidecar.corsOrigins)).toBe(true);
  });
});

describe('.env.example', () => {
  const file = readFileSync(fileURLToPath(new URL('../../../.env.example', import.meta.url)), 'utf8');

  it('is what `npm run env:example` writes from the declaration', () => {
    // When this fails: run `npm run env:example` and commit the result.
    expect(withServerPart(file)).toBe(file);
  });

  it('shows every variable once, with its default or with nothing when it has none', () => {
    const part = renderServerPart();
    for (const variable of CONFIG_VARIABLES) expect(part.match(new RegExp(`^# ${variable}=`, 'gm'))).toHaveLength(1);
    expect(part).toMatch(/^# IDENTITY_PORT=8140$/m);
    expect(part).toMatch(/^# IDENTITY_URL=$/m);
    expect(part).toMatch(/^# MASTER_KEY=$/m);
    expect(part).toMatch(/^# SEED_DEV_CLIENTS=$/m);
    expect(part).not.toMatch(/^# \w+=.*http:\/\/127\.0\.0\.1:8140/m);
  });
});
