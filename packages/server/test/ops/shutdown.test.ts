/**
 * Graceful shutdown of real `idsvc identity` and `idsvc sidecar` processes (PostgreSQL
 * database of this file, shared Redis under a key prefix of this file): a signal stops
 * accepting at once, the request in flight finishes, the pools close, and the process ends
 * by itself; a request that outlasts SHUTDOWN_GRACE is cut and the process ends anyway.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { basicAuth } from '../helpers/wire-client.js';
import { deletePrefix } from '../helpers/redis-env.js';
import { type CliProcess, eventually, startIdentity, startSidecar } from './helpers/cli.js';
import { ISSUE_REQUEST } from './helpers/journey.js';
import { type RegisteredClient, createClient, newSecrets, postJson, processEnv, wireAt } from './helpers/stack.js';

const available = (await databaseTargets()).some((t) => t.kind === 'postgres') && (await redisAvailable());

interface Tokens {
  access_token: string;
  refresh_token: string;
}

describe.skipIf(!available)('graceful shutdown on SIGTERM and SIGINT', () => {
  const tdb = withDatabase({ kind: 'postgres' });
  const secrets = newSecrets();
  const prefix = `t_${randomBytes(6).toString('hex')}:`;
  let identity: CliProcess;
  let sidecar: CliProcess;
  /** An identity API with a short grace period, for the request that outlasts it. */
  let impatient: CliProcess;
  let client: RegisteredClient;
  let lock: pg.Client;

  beforeAll(async () => {
    const env = processEnv(secrets, { ...tdb.env, LOG_LEVEL: 'info' } as Record<string, string>);
    [identity, impatient] = await Promise.all([startIdentity(env), startIdentity({ ...env, SHUTDOWN_GRACE: '1' }, 'impatient identity')]);
    sidecar = await startSidecar(identity.url, processEnv(secrets, { REDIS_URL, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'info' }));
    client = await createClient(identity.url, secrets.ADMIN_TOKEN);
    lock = new pg.Client({ connectionString: tdb.env.DATABASE_URL });
    await lock.connect();
  }, 120_000);

  afterAll(async () => {
    await lock?.query('rollback').catch(() => undefined);
    await lock?.end();
    await Promise.all([sidecar?.stop(), identity?.stop(), impatient?.stop()]);
    const redis = new Redis(REDIS_URL);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  /** Take a lock that makes every refresh rotation wait; resolves once one is waiting on it. */
  async function holdRotations(): Promise<void> {
    await lock.query('begin');
    await lock.query('lock table refresh_tokens in exclusive mode');
  }

  async function rotationWaiting(): Promise<void> {
    await eventually(
      async () => (await lock.query("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows.length > 0,
      10_000,
      'a rotation waiting on the lock',
    );
  }

  it('SIGTERM: stops accepting, lets the request in flight finish, closes the pools and ends with code 0', async () => {
    const wire = wireAt(sidecar.url, client.id);
    expect((await wire.initSession()).status).toBe(200);
    const issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
    const tokens = issued.json as Tokens;

    await holdRotations();
    const inFlight = wire.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: `Bearer ${tokens.access_token}` });
    await rotationWaiting();

    sidecar.signal('SIGTERM');
    identity.signal('SIGTERM');
    // New connections are refused at once by both...
    await eventually(async () => !(await accepts(sidecar.url)) && !(await accepts(identity.url)), 5_000, 'both to stop accepting');
    // ...while both wait for the request in flight.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sidecar.alive() && identity.alive()).toBe(true);

    await lock.query('commit');
    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200, encrypted: true });
    expect((answer.json as Tokens).refresh_token).toEqual(expect.any(String));

    // Nothing left open (database pool, Redis connection, HTTP agent): each process ends by itself.
    expect(await sidecar.exited).toEqual({ code: 0, signal: null });
    expect(await identity.exited).toEqual({ code: 0, signal: null });
    expect(sidecar.stdout()).toContain('SIGTERM: closing');
    for (const p of [sidecar, identity]) {
      expect(p.logs().some((line) => line.msg === 'the process did not end after closing: a handle is still open')).toBe(false);
    }
  }, 60_000);

  it('SIGINT: a request that outlasts SHUTDOWN_GRACE is cut, and the process still ends', async () => {
    const issued = await postJson(impatient.url, '/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
    expect(issued.status).toBe(200);
    const tokens = issued.body as Tokens;

    await holdRotations();
    const inFlight = postJson(
      impatient.url,
      '/api/v1/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { authorization: `Bearer ${tokens.access_token}` },
    ).then(
      () => 'answered',
      () => 'cut',
    );
    await rotationWaiting();
    const signalledAt = Date.now();
    impatient.signal('SIGINT');

    expect(await inFlight).toBe('cut');
    const exit = await impatient.exited;
    // It ended on its own bound (grace 1 s, then at most 1 s more for the stuck pool), not on a SIGKILL.
    expect(exit).toEqual({ code: 1, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(impatient.logs().map((line) => line.msg)).toContain('shutdown grace period over: closing the connections still open');
    await lock.query('rollback');
  }, 60_000);
});

/** Whether a new TCP connection to `baseUrl` is accepted (an HTTP answer of any status). */
async function accepts(baseUrl: string): Promise<boolean> {
  try {
    await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}
