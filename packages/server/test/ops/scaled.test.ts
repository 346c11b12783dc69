/**
 * The scaled shape for real: two `idsvc identity` and two `idsvc sidecar` processes on
 * their own ports, sharing one PostgreSQL database (of this file) and one Redis (under a
 * key prefix of this file), as behind a load balancer that may send each request anywhere.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import type { WireClient } from '../helpers/wire-client.js';
import { basicAuth } from '../helpers/wire-client.js';
import { deletePrefix } from '../helpers/redis-env.js';
import { type CliProcess, startIdentity, startSidecar } from './helpers/cli.js';
import { ISSUE_REQUEST, sixStepJourney } from './helpers/journey.js';
import { metricValue, scrape } from './helpers/metrics.js';
import { type RegisteredClient, createClient, newSecrets, processEnv, wireAt } from './helpers/stack.js';

const available = (await databaseTargets()).some((t) => t.kind === 'postgres') && (await redisAvailable());

interface Tokens {
  access_token: string;
  refresh_token: string;
}

describe.skipIf(!available)('two sidecars and two identity APIs sharing PostgreSQL and Redis', () => {
  const tdb = withDatabase({ kind: 'postgres' });
  const secrets = newSecrets();
  const prefix = `t_${randomBytes(6).toString('hex')}:`;
  let identities: CliProcess[] = [];
  let sidecars: CliProcess[] = [];
  let client: RegisteredClient;

  beforeAll(async () => {
    const identityEnv = processEnv(secrets, tdb.env as Record<string, string>);
    // The sidecars get no database settings: they need none.
    const sidecarEnv = processEnv(secrets, { REDIS_URL, REDIS_KEY_PREFIX: prefix });
    // Both identity APIs start at the same moment on the same database: migrations and the
    // first signing keys must settle once between them.
    identities = await Promise.all([startIdentity(identityEnv, 'identity 1'), startIdentity(identityEnv, 'identity 2')]);
    sidecars = await Promise.all(identities.map((identity, i) => startSidecar(identity.url, sidecarEnv, `sidecar ${i + 1}`)));
    client = await createClient(identities[0]!.url, secrets.ADMIN_TOKEN);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...sidecars, ...identities].map((p) => p.stop()));
    const redis = new Redis(REDIS_URL);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  /** One wire client per sidecar, for the same client id. */
  function wires(): [WireClient, WireClient] {
    return [wireAt(sidecars[0]!.url, client.id), wireAt(sidecars[1]!.url, client.id)];
  }

  async function issueThrough(wire: WireClient): Promise<Tokens> {
    const issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
    expect(issued.status).toBe(200);
    return issued.json as Tokens;
  }

  it('the 6-step journey, changing instance at every step', async () => {
    const pair = wires();
    const before = await Promise.all(identities.map((i) => scrape(i.url)));
    const trace = await sixStepJourney((step) => pair[step % 2]!, client);

    // And the family is dead on the other instance too: introspected with another live bearer, inactive.
    const [a, b] = pair;
    a.session = trace.session;
    const other = await issueThrough(a);
    b.session = trace.session;
    const looked = await b.call('/api/v1/introspect', { token: trace.access2 }, { authorization: `Bearer ${other.access_token}` });
    expect(looked).toMatchObject({ status: 200, json: { active: false } });

    // Both identity APIs served part of it.
    const after = await Promise.all(identities.map((i) => scrape(i.url)));
    for (const [i, text] of after.entries()) {
      expect(metricValue(text, 'idsvc_http_requests_total') - metricValue(before[i]!, 'idsvc_http_requests_total')).toBeGreaterThan(0);
    }
  }, 60_000);

  it('a nonce used on one instance is refused on the other (409 replay_detected)', async () => {
    const [a, b] = wires();
    expect((await a.initSession()).status).toBe(200);
    const tokens = await issueThrough(a);
    const sealed = await a.seal('/api/v1/introspect', JSON.stringify({ token: tokens.access_token }), { authorization: `Bearer ${tokens.access_token}` });
    expect((await a.send(sealed)).status).toBe(200);
    b.session = a.session;
    const replayed = await b.send(sealed);
    expect(replayed.status).toBe(409);
    expect(JSON.parse(replayed.body)).toMatchObject({ error: 'replay_detected' });

    // Session init too: its nonce is kept, per client id and public key, in the shared store.
    expect((await a.initSession()).status).toBe(200);
    const again = await b.send(a.lastInitRequest());
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body)).toMatchObject({ error: 'replay_detected' });
  });

  it('a revocation on one instance is seen by the other at once', async () => {
    const [a, b] = wires();
    expect((await a.initSession()).status).toBe(200);
    b.session = a.session;
    const live = await issueThrough(a);
    const doomed = await issueThrough(a);
    const revoked = await a.call('/api/v1/revoke', { token: doomed.refresh_token, token_type_hint: 'refresh_token' }, { authorization: `Bearer ${doomed.access_token}` });
    expect(revoked.status).toBe(200);

    // The very next request, on the other sidecar and the other identity API.
    const looked = await b.call('/api/v1/introspect', { token: doomed.access_token }, { authorization: `Bearer ${live.access_token}` });
    expect(looked.json).toEqual({ active: false });
    const asBearer = await b.call('/api/v1/introspect', { token: live.access_token }, { authorization: `Bearer ${doomed.access_token}` });
    expect(asBearer).toMatchObject({ status: 401, json: { error: 'invalid_token' } });
    const refreshed = await b.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: doomed.refresh_token }, { authorization: `Bearer ${live.access_token}` });
    expect(refreshed).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('the same refresh token presented to both instances at the same moment has exactly one winner', async () => {
    const [a, b] = wires();
    expect((await a.initSession()).status).toBe(200);
    b.session = a.session;
    for (let round = 0; round < 5; round++) {
      const tokens = await issueThrough(a);
      const body = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
      const options = { authorization: `Bearer ${tokens.access_token}` };
      // Sealed first, sent together: the two requests race to the two identity APIs.
      const [sa, sb] = await Promise.all([a.seal('/api/v1/token', JSON.stringify(body), options), b.seal('/api/v1/token', JSON.stringify(body), options)]);
      const answers = await Promise.all([a.send(sa).then((r) => a.open(r)), b.send(sb).then((r) => b.open(r))]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 400]);
      expect(answers.find((r) => r.status === 400)?.json).toMatchObject({ error: 'invalid_grant' });
    }
  }, 60_000);

  it('with a refresh grace window, both instances answer the race with one identical successor and the family lives', async () => {
    const graced = await createClient(identities[0]!.url, secrets.ADMIN_TOKEN);
    const patched = await fetch(new URL(`/admin/v1/clients/${graced.id}`, identities[1]!.url), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.ADMIN_TOKEN}` },
      body: JSON.stringify({ refresh_grace_seconds: 30 }),
    });
    expect(patched.status).toBe(200);
    const [a, b] = [wireAt(sidecars[0]!.url, graced.id), wireAt(sidecars[1]!.url, graced.id)];
    expect((await a.initSession()).status).toBe(200);
    b.session = a.session;
    for (let round = 0; round < 5; round++) {
      const issued = await a.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(graced.id, graced.secret) });
      const tokens = issued.json as Tokens;
      const body = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
      const options = { authorization: `Bearer ${tokens.access_token}` };
      const [sa, sb] = await Promise.all([a.seal('/api/v1/token', JSON.stringify(body), options), b.seal('/api/v1/token', JSON.stringify(body), options)]);
      const answers = await Promise.all([a.send(sa).then((r) => a.open(r)), b.send(sb).then((r) => b.open(r))]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      const [first, second] = answers.map((r) => r.json as Tokens);
      expect(second!.refresh_token).toBe(first!.refresh_token);
      // The shared successor works, on either instance.
      const next = await b.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: first!.refresh_token }, { authorization: `Bearer ${first!.access_token}` });
      expect(next.status).toBe(200);
    }
  }, 60_000);
});
