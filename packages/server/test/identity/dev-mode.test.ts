/**
 * Development mode: the two example clients with their published dummy credentials, a loud
 * warning, and a master key kept in `dev-master.key` when MASTER_KEY is not set.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeIdempotencyKey, signSync } from '@idsvc/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createIdentityApp, identityServicesOf } from '../../src/identity/app.js';
import { ManualClock } from '../../src/lib/clock.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, INTERNAL_SECRET, ISSUE_BODY, T0, basic, post } from '../helpers/identity.js';

describe.each(await databaseTargets())('development mode on $kind', (target) => {
  const tdb = withDatabase(target);
  const devConfig = () => loadConfig({ MODE: 'development', LOG_LEVEL: 'info', ...tdb.env, SQLITE_PATH: join(tdb.dir!, 'identity.db') });
  const start = async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = await createIdentityApp({ config: devConfig(), db: tdb.db, clock: new ManualClock(T0), logger, internalSecret: INTERNAL_SECRET });
    return { app, log: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
  };

  it('seeds dev-client and external-partner-test with their published credentials and warns loudly', async () => {
    const { app, log } = await start();
    try {
      const warnings = log().filter((l) => l.level === 40).map((l) => l.msg);
      expect(warnings.some((m) => /DEVELOPMENT MODE/.test(m) && /PUBLISHED DUMMY SECRETS/.test(m))).toBe(true);
      expect(warnings.some((m) => /development master key/.test(m))).toBe(true);

      expect(await identityServicesOf(app).admin.get('dev-client')).toMatchObject({ auth_method: 'basic', scopes: ['orders.read', 'orders.write'], audiences: ['orders-api'], status: 'active' });
      expect(await identityServicesOf(app).admin.get('external-partner-test')).toMatchObject({ auth_method: 'hmac', scopes: ['orders.read'], audiences: ['orders-api'] });

      const issued = await post(app, '/api/v1/token/issue', { authorization: basic('dev-client', 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!') }, { ...ISSUE_BODY, scope: 'orders.read orders.write' });
      expect(issued.statusCode).toBe(200);

      const key = makeIdempotencyKey(T0);
      const body = JSON.stringify(ISSUE_BODY);
      const signature = signSync({ secret: 'external-partner-hmac-secret-key-32chars!', timestamp: String(T0), nonce: key.slice(key.indexOf('.') + 1), body });
      const signed = await post(app, '/api/v1/token/issue', { 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-clientid': 'external-partner-test', 'x-idempotency-key': key, 'x-signature': signature }, body);
      expect(signed.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('keeps the generated master key in dev-master.key (mode 0600) and reuses it on the next start', async () => {
    const path = join(tdb.dir!, 'dev-master.key');
    // A start of its own writes the key (unless an earlier test's start already did).
    await (await start()).app.close();
    const first = readFileSync(path, 'utf8');
    expect(Buffer.from(first.trim(), 'base64')).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // A second start opens the signing keys and HMAC secrets the first one encrypted, and seeds nothing twice.
    const { app } = await start();
    try {
      expect(readFileSync(path, 'utf8')).toBe(first);
      expect((await identityServicesOf(app).admin.list()).filter((c) => c.client_id === 'dev-client')).toHaveLength(1);
      expect((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('never seeds in production mode: the configuration refuses it', () => {
    expect(() => loadConfig({ MODE: 'production', MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), ADMIN_TOKEN, SEED_DEV_CLIENTS: 'true' })).toThrow(ConfigError);
    expect(loadConfig({ MODE: 'production', MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), ADMIN_TOKEN }).identity.seedDevClients).toBe(false);
  });
});

describe.each(await databaseTargets())('production mode on $kind', (target) => {
  const tdb = withDatabase(target);

  it('registers no development client', async () => {
    const config = loadConfig({ MODE: 'production', LOG_LEVEL: 'silent', MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), ADMIN_TOKEN, ...tdb.env });
    const app = await createIdentityApp({ config, db: tdb.db, logger: false });
    try {
      expect(await identityServicesOf(app).admin.list()).toEqual([]);
      const res = await post(app, '/api/v1/token/issue', { authorization: basic('dev-client', 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!') }, ISSUE_BODY);
      expect(res.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
