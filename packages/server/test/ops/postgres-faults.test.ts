/**
 * PostgreSQL going away, for real: an `idsvc identity` and an `idsvc sidecar` process on a
 * throwaway PostgreSQL cluster of this file (and the shared Redis, under a key prefix of
 * this file). The cluster is crashed in the middle of a refresh rotation and restarted;
 * then every process is restarted, the cluster included, and everything is still there.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import type { WireClient } from '../helpers/wire-client.js';
import { basicAuth } from '../helpers/wire-client.js';
import { deletePrefix } from '../helpers/redis-env.js';
import { type CliProcess, eventually, freePort, startIdentity, startSidecar } from './helpers/cli.js';
import { ISSUE_REQUEST } from './helpers/journey.js';
import { type RegisteredClient, createClient, getJson, newSecrets, postJson, processEnv, wireAt } from './helpers/stack.js';
import { ThrowawayPostgres, throwawayPostgresAvailable } from './helpers/throwaway-postgres.js';

const available = throwawayPostgresAvailable() && (await redisAvailable());

interface Tokens {
  access_token: string;
  refresh_token: string;
}

// A timeline, kept in its written order: the family rotated in the first test is used again
// after the restarts of the last.
describe.skipIf(!available)('PostgreSQL stops and comes back (throwaway cluster)', { shuffle: false }, () => {
  const secrets = newSecrets();
  const prefix = `t_${randomBytes(6).toString('hex')}:`;
  let cluster: ThrowawayPostgres;
  let identityEnv: Record<string, string>;
  let sidecarEnv: Record<string, string>;
  let identity: CliProcess;
  let sidecar: CliProcess;
  let client: RegisteredClient;
  let wire: WireClient;
  /** The family rotated in the first test, used again after the restart. */
  let rotated: Tokens;

  beforeAll(async () => {
    cluster = await ThrowawayPostgres.create();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('create database identity');
    await admin.end();
    // Fixed ports: after a restart, clients find both services where they were.
    identityEnv = processEnv(secrets, { DATABASE_URL: cluster.url('identity'), IDENTITY_PORT: String(await freePort()) });
    sidecarEnv = processEnv(secrets, { SIDECAR_PORT: String(await freePort()), REDIS_URL, REDIS_KEY_PREFIX: prefix });
    identity = await startIdentity(identityEnv);
    sidecar = await startSidecar(identity.url, sidecarEnv);
    client = await createClient(identity.url, secrets.ADMIN_TOKEN);
    wire = wireAt(sidecar.url, client.id);
    assert.equal((await wire.initSession()).status, 200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sidecar?.stop(), identity?.stop()]);
    await cluster?.destroy();
    const redis = new Redis(REDIS_URL);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  /** A connection of the test's own to the cluster. */
  async function connect(database = 'identity'): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: cluster.url(database) });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  async function issue(): Promise<Tokens> {
    const issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
    expect(issued.status).toBe(200);
    return issued.json as Tokens;
  }

  /** Refresh `tokens`, with `bearer` (default its own access token) as the caller. */
  function refresh(tokens: Tokens, bearer = tokens.access_token) {
    return wire.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: `Bearer ${bearer}` });
  }

  it('answers 503 temporarily_unavailable while it is down, writes a rotation wholly or not at all, and recovers by itself', async () => {
    const first = await issue();
    const db = await connect();
    const { rows: families } = await db.query<{ family_id: string }>('select family_id from refresh_tokens');
    expect(families).toHaveLength(1);
    const familyId = families[0]!.family_id;

    // Hold the family row: the rotation spends the refresh token (its first write), then
    // waits to insert the new one, whose foreign key needs that row. The crash comes then.
    await db.query('begin');
    await db.query('select id from token_families where id = $1 for update', [familyId]);
    const pending = refresh(first);
    await eventually(
      async () => {
        const monitor = await connect('postgres');
        try {
          const { rows } = await monitor.query("select 1 from pg_stat_activity where datname = 'identity' and wait_event_type = 'Lock'");
          return rows.length === 1;
        } finally {
          await monitor.end();
        }
      },
      10_000,
      'the rotation to wait on the family row',
    );
    await cluster.stop('immediate');

    // The client gets the identity API's own answer, sealed: 503, with when to retry.
    const cut = await pending;
    expect(cut).toMatchObject({ status: 503, encrypted: true, json: { error: 'temporarily_unavailable' } });
    expect(cut.headers['retry-after']).toBe('1');

    // Straight at the identity API: 503 temporarily_unavailable, and not ready; alive all the same.
    const direct = await postJson(identity.url, '/api/v1/introspect', { token: first.access_token }, { authorization: `Bearer ${first.access_token}` });
    expect(direct.status).toBe(503);
    expect(direct.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) as string });
    expect(await getJson(identity.url, '/readyz')).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'failing' } } });
    expect((await getJson(identity.url, '/healthz')).status).toBe(200);

    await cluster.start();
    await eventually(async () => (await getJson(identity.url, '/readyz')).status === 200, 15_000, 'the identity API to be ready again');
    expect(identity.alive()).toBe(true);

    // Nothing of the interrupted rotation was kept: the refresh token is still active, alone.
    const check = await connect();
    const { rows } = await check.query<{ status: string; spent_at: string | null }>(
      'select status, spent_at from refresh_tokens where family_id = $1',
      [familyId],
    );
    expect(rows).toEqual([{ status: 'active', spent_at: null }]);

    // So it rotates now, as if the first attempt never happened (not taken for reuse).
    const again = await refresh(first);
    expect(again.status).toBe(200);
    rotated = again.json as Tokens;
    const { rows: after } = await check.query<{ status: string }>('select status from refresh_tokens where family_id = $1 order by created_at, status', [familyId]);
    expect(after.map((r) => r.status).sort()).toEqual(['active', 'spent']);
    await check.end();
  }, 60_000);

  it('after every process restarts, clients, token families, revocations and signing keys are still there, and Redis sessions still work', async () => {
    expect(rotated).toBeDefined();
    const revokedFamily = await issue();
    const revoke = await wire.call(
      '/api/v1/revoke',
      { token: revokedFamily.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: `Bearer ${revokedFamily.access_token}` },
    );
    expect(revoke.status).toBe(200);
    const jwksBefore = (await getJson(identity.url, '/.well-known/jwks.json')).body as { keys: { kid: string }[] };

    // Everything stops: the two services gracefully, the database too; then all start again.
    const exits = await Promise.all([sidecar.stop(), identity.stop()]);
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    await cluster.stop('fast');
    await cluster.start();
    identity = await startIdentity(identityEnv);
    sidecar = await startSidecar(identity.url, sidecarEnv);

    // Signing keys: the same set is published, and tokens signed before still verify.
    const jwksAfter = (await getJson(identity.url, '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
    expect(jwksAfter.keys.map((k) => k.kid)).toEqual(jwksBefore.keys.map((k) => k.kid));

    // The session opened before the restart, kept in Redis, still carries requests.
    const introspected = await wire.call('/api/v1/introspect', { token: rotated.access_token }, { authorization: `Bearer ${rotated.access_token}` });
    expect(introspected).toMatchObject({ status: 200, encrypted: true, json: { active: true, client_id: client.id } });

    // Revocations: the revoked family stays dead, as a token and as a bearer.
    const revokedLooked = await wire.call('/api/v1/introspect', { token: revokedFamily.access_token }, { authorization: `Bearer ${rotated.access_token}` });
    expect(revokedLooked.json).toEqual({ active: false });
    const revokedBearer = await wire.call('/api/v1/introspect', { token: rotated.access_token }, { authorization: `Bearer ${revokedFamily.access_token}` });
    expect(revokedBearer).toMatchObject({ status: 401, json: { error: 'invalid_token' } });
    expect(await refresh(revokedFamily, rotated.access_token)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });

    // Token families: the live one rotates on.
    expect((await refresh(rotated)).status).toBe(200);

    // Clients: the secret registered before still authenticates.
    await issue();
  }, 120_000);
});
