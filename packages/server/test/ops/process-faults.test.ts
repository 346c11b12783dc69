/**
 * Faults of the processes around a sidecar, for real: its Redis (a throwaway redis-server
 * of this file) is killed and restarted, and its identity API process is killed in the
 * middle of a request and started again. `idsvc identity` runs on a PostgreSQL database of
 * this file on the shared server; `idsvc sidecar` keeps its sessions and nonces in the
 * throwaway Redis.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import type { WireClient } from '../helpers/wire-client.js';
import { basicAuth } from '../helpers/wire-client.js';
import { type CliProcess, eventually, freePort, startIdentity, startSidecar } from './helpers/cli.js';
import { ISSUE_REQUEST } from './helpers/journey.js';
import { metricValue, scrape } from './helpers/metrics.js';
import { type RegisteredClient, createClient, getJson, newSecrets, processEnv, wireAt } from './helpers/stack.js';
import { ThrowawayRedis, redisServerAvailable } from './helpers/throwaway-redis.js';

const available = redisServerAvailable() && (await databaseTargets()).some((t) => t.kind === 'postgres');

interface Tokens {
  access_token: string;
  refresh_token: string;
}

describe.skipIf(!available)('faults around the sidecar (throwaway Redis, identity API process killed)', () => {
  const tdb = withDatabase({ kind: 'postgres' });
  const secrets = newSecrets();
  let redis: ThrowawayRedis;
  let identityEnv: Record<string, string>;
  let identity: CliProcess;
  let sidecar: CliProcess;
  let client: RegisteredClient;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    // A fixed port: the sidecar finds the identity API there again after its restart.
    identityEnv = processEnv(secrets, { ...tdb.env, IDENTITY_PORT: String(await freePort()) } as Record<string, string>);
    identity = await startIdentity(identityEnv);
    sidecar = await startSidecar(identity.url, processEnv(secrets, { REDIS_URL: redis.url }));
    client = await createClient(identity.url, secrets.ADMIN_TOKEN);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sidecar?.stop(), identity?.stop()]);
    await redis?.kill();
  });

  async function issue(wire: WireClient): Promise<Tokens> {
    const issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
    expect(issued.status).toBe(200);
    return issued.json as Tokens;
  }

  it('Redis stops: the sidecar refuses what it cannot replay-check with 503 (fail closed), and recovers by itself', async () => {
    const wire = wireAt(sidecar.url, client.id);
    expect((await wire.initSession()).status).toBe(200);
    const tokens = await issue(wire);
    const introspectsBefore = metricValue(await scrape(identity.url), 'idsvc_http_requests_total', { route: '/api/v1/introspect' });

    await redis.kill();

    // Session init and encrypted requests alike: a plaintext 503, nothing forwarded.
    const init = await wireAt(sidecar.url, client.id).initSession();
    expect(init.status).toBe(503);
    expect(JSON.parse(init.body)).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) as string });
    const call = await wire.call('/api/v1/introspect', { token: tokens.access_token }, { authorization: `Bearer ${tokens.access_token}` });
    expect(call).toMatchObject({ status: 503, encrypted: false, json: { error: 'temporarily_unavailable' } });
    expect(metricValue(await scrape(identity.url), 'idsvc_http_requests_total', { route: '/api/v1/introspect' })).toBe(introspectsBefore);
    expect(await getJson(sidecar.url, '/readyz')).toEqual({ status: 503, body: { status: 'unavailable', checks: { redis: 'failing' } } });
    expect((await getJson(sidecar.url, '/healthz')).status).toBe(200);

    // Back, empty (no persistence): the sidecar reconnects without being restarted.
    await redis.restart();
    await eventually(async () => (await getJson(sidecar.url, '/readyz')).status === 200, 15_000, 'the sidecar to be ready again');
    expect(sidecar.alive()).toBe(true);
    // The session died with Redis's memory; the client opens a new one and carries on.
    const lost = await wire.call('/api/v1/introspect', { token: tokens.access_token }, { authorization: `Bearer ${tokens.access_token}` });
    expect(lost).toMatchObject({ status: 401, json: { error: 'invalid_session' } });
    expect((await wire.initSession()).status).toBe(200);
    const introspected = await wire.call('/api/v1/introspect', { token: tokens.access_token }, { authorization: `Bearer ${tokens.access_token}` });
    expect(introspected).toMatchObject({ status: 200, encrypted: true, json: { active: true } });
  }, 60_000);

  it('the identity API dies mid-request: the sidecar answers a sealed 502, and the next request after its restart succeeds', async () => {
    const wire = wireAt(sidecar.url, client.id);
    expect((await wire.initSession()).status).toBe(200);
    const tokens = await issue(wire);
    const refresh = () =>
      wire.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: `Bearer ${tokens.access_token}` });

    // Hold the refresh tokens table, so the rotation is in flight when the process dies.
    const lock = new pg.Client({ connectionString: tdb.env.DATABASE_URL });
    await lock.connect();
    await lock.query('begin');
    await lock.query('lock table refresh_tokens in exclusive mode');
    const pending = refresh();
    await eventually(
      async () => (await lock.query("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows.length === 1,
      10_000,
      'the rotation to wait on the lock',
    );
    identity.signal('SIGKILL');
    expect(await identity.exited).toMatchObject({ signal: 'SIGKILL' });

    const cut = await pending;
    expect(cut).toMatchObject({ status: 502, encrypted: true, json: { error: 'upstream_unavailable' } });
    await lock.query('rollback');
    await lock.end();

    // While it is down, the same answer, at once.
    const down = await wire.call('/api/v1/introspect', { token: tokens.access_token }, { authorization: `Bearer ${tokens.access_token}` });
    expect(down).toMatchObject({ status: 502, encrypted: true, json: { error: 'upstream_unavailable' } });
    expect(metricValue(await scrape(sidecar.url), 'idsvc_upstream_failures_total')).toBeGreaterThanOrEqual(2);

    identity = await startIdentity(identityEnv);
    // The rotation died with the process before its commit: the refresh token still works.
    const again = await refresh();
    expect(again).toMatchObject({ status: 200, encrypted: true });
    expect((again.json as Tokens).refresh_token).not.toBe(tokens.refresh_token);
  }, 60_000);
});
