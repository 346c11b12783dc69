/**
 * Floods against the sidecar's bounded memory (docs/protocol.md section 6, docs/sidecar.md):
 * valid traffic far beyond the nonce bound is never refused, one client's flood never
 * refuses or evicts another client, and a refused session init spends no nonce. Bounds
 * are set small through the configuration, so that each flood takes a second or two.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { errorBody, generateKeyPairSync, encodeBase64 } from '@idsvc/protocol';
import { ManualClock } from '../../src/lib/clock.js';
import { connectRedis, redisStores, storeLimits } from '../../src/stores/index.js';
import { deletePrefix, requireRedis, uniquePrefix } from '../helpers/redis-env.js';
import { WireClient, type WireResponse, injectTransport } from '../helpers/wire-client.js';
import { type TestSidecar, testConfig, testSidecar } from './fixtures.js';

const redisUrl = await requireRedis();

const INTROSPECT = '/api/v1/introspect';
const PLAINTEXT = '{"token":"t"}';
/** Requests in flight at once, like a client with a pool of connections. */
const CONCURRENCY = 50;

let sidecar: TestSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

/** Send `count` sealed requests through `client`, `CONCURRENCY` at a time, the clock moving 1 ms per request. */
async function sealedLoad(s: TestSidecar, client: WireClient, count: number): Promise<{ statuses: Map<number, number>; last: Awaited<ReturnType<WireClient['seal']>>[] }> {
  const statuses = new Map<number, number>();
  let last: Awaited<ReturnType<WireClient['seal']>>[] = [];
  for (let sent = 0; sent < count; sent += CONCURRENCY) {
    const batch = [];
    for (let i = 0; i < Math.min(CONCURRENCY, count - sent); i += 1) {
      s.clock.advance(1);
      batch.push(await client.seal(INTROSPECT, PLAINTEXT));
    }
    const responses = await Promise.all(batch.map((request) => client.send(request)));
    for (const r of responses) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    last = batch;
  }
  return { statuses, last };
}

function expectError(response: WireResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(JSON.parse(response.body)).toMatchObject({ error: code });
}

describe('valid load beyond the nonce bound', () => {
  it('five times MEMORY_NONCE_MAX of valid sealed requests: none refused, a recent replay still 409, an old one refused', async () => {
    const s = (sidecar = await testSidecar({ env: { MEMORY_NONCE_MAX: '200' } }));
    const client = s.client();
    expect((await client.initSession()).status).toBe(200);
    const first = await client.seal(INTROSPECT, PLAINTEXT);
    expect((await client.send(first)).status).toBe(200);

    const { statuses, last } = await sealedLoad(s, client, 1000);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 1000 });
    expect(s.fake.received).toHaveLength(1001);

    expectError(await client.send(last.at(-1)!), 409, 'replay_detected');
    // The first request's nonce is forgotten, and covered by the watermark: still refused.
    expectError(await client.send(first), 400, 'invalid_timestamp');
    expect(s.fake.received).toHaveLength(1001);
    // And the client goes on.
    s.clock.advance(1);
    expect((await client.send(await client.seal(INTROSPECT, PLAINTEXT))).status).toBe(200);
  });

  it('a client whose clock is 60 s behind keeps working while another client floods', async () => {
    const s = (sidecar = await testSidecar({ env: { MEMORY_NONCE_MAX: '200' } }));
    const skewed = new WireClient({ transport: injectTransport(s.app), clientId: 'other-client', now: () => s.clock.now() - 60_000 });
    expect((await skewed.initSession()).status).toBe(200);
    const flooder = s.client('dev-client');
    expect((await flooder.initSession()).status).toBe(200);

    const skewedStatuses: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      // The flooder: 200 sealed requests and 60 session inits per round.
      const { statuses } = await sealedLoad(s, flooder, 200);
      expect(Object.fromEntries(statuses)).toEqual({ 200: 200 });
      const inits = await Promise.all(Array.from({ length: 60 }, () => s.client('dev-client').initSession()));
      expect(inits.every((r) => r.status === 200)).toBe(true);
      // The skewed client: a sealed request in its session, and a new session.
      skewedStatuses.push((await skewed.send(await skewed.seal(INTROSPECT, PLAINTEXT))).status);
      skewedStatuses.push((await skewed.initSession()).status);
      skewedStatuses.push((await skewed.send(await skewed.seal(INTROSPECT, PLAINTEXT))).status);
    }
    expect(skewedStatuses).toEqual(Array.from({ length: 15 }, () => 200));
  });
});

describe('session init spends its nonce last', () => {
  it('an invalid public key is refused without recording the nonce: the same nonce with a valid key then succeeds', async () => {
    const s = (sidecar = await testSidecar());
    const client = s.client();
    const key = client.newKey().header;
    const headers = { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-idempotency-key': key };
    const bad = await client.send({ path: '/api/v1/session/init', headers, body: '{"clientPublicKey":"AAAA"}' });
    expectError(bad, 400, 'invalid_request');
    const keys = generateKeyPairSync();
    const good = await client.send({ path: '/api/v1/session/init', headers, body: JSON.stringify({ clientPublicKey: encodeBase64(keys.publicKey) }) });
    keys.privateKey.destroy();
    expect(good.status).toBe(200);
    // Now it is spent: the same request again is a replay.
    const again = await client.send({ path: '/api/v1/session/init', headers, body: JSON.stringify({ clientPublicKey: encodeBase64(keys.publicKey) }) });
    expect(JSON.parse(again.body)).toEqual(errorBody('replay_detected'));
  });

  it('a stranger flooding inits of a client id with timestamps at the edge of the window cannot make that client\'s inits stale', async () => {
    const s = (sidecar = await testSidecar({ env: { NONCE_SCOPE_MAX: '20' } }));
    const flooder = s.client('dev-client');
    const ahead = String(s.clock.now() + 299_000);
    for (let i = 0; i < 50; i += 1) {
      const headers = { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-idempotency-key': `${ahead}.${crypto.randomUUID()}` };
      const res = await flooder.send({ path: '/api/v1/session/init', headers, body: JSON.stringify({ clientPublicKey: encodeBase64(generateKeyPairSync().publicKey) }) });
      expect(res.status).toBe(200);
    }
    // The honest client, its clock right, opens sessions as before.
    for (let i = 0; i < 5; i += 1) expect((await s.client('dev-client').initSession()).status).toBe(200);
  });

  it('an authenticated init without X-Subject does not spend the nonce either', async () => {
    const s = (sidecar = await testSidecar());
    s.fake.bearers.push({ token: 'good-token', clientId: 'dev-client', sub: 'test-user' });
    const client = s.client();
    const headers = { 'x-idempotency-key': client.newKey().header };
    expectError(await client.initSession({ bearer: 'good-token', headers }), 400, 'invalid_request');
    expect((await client.initSession({ bearer: 'good-token', subject: 'test-user', headers })).status).toBe(200);
  });
});

describe('session floods', () => {
  it('60 anonymous inits as another client leave the victim\'s sessions intact (MEMORY_SESSION_MAX=50)', async () => {
    const s = (sidecar = await testSidecar({ env: { MEMORY_SESSION_MAX: '50' } }));
    const victims = [s.client('dev-client'), s.client('dev-client')];
    for (const v of victims) expect((await v.initSession()).status).toBe(200);
    for (let i = 0; i < 60; i += 1) expect((await s.client('external-partner-test').initSession()).status).toBe(200);
    for (const v of victims) {
      expect((await v.call(INTROSPECT, PLAINTEXT)).status).toBe(200);
    }
  });

  it('an authenticated session survives a flood of anonymous ones of the same client', async () => {
    const s = (sidecar = await testSidecar({ env: { MEMORY_SESSION_MAX: '50' } }));
    s.fake.bearers.push({ token: 'good-token', clientId: 'external-partner-test', sub: 'test-user' });
    const mine = s.client('external-partner-test');
    expect((await mine.initSession({ bearer: 'good-token', subject: 'test-user' })).status).toBe(200);
    for (let i = 0; i < 60; i += 1) expect((await s.client('external-partner-test').initSession()).status).toBe(200);
    expect((await mine.call(INTROSPECT, PLAINTEXT)).status).toBe(200);
  });

  it('beyond SESSION_CLIENT_MAX a client loses only its own oldest anonymous session', async () => {
    const s = (sidecar = await testSidecar({ env: { SESSION_CLIENT_MAX: '5' } }));
    const victim = s.client('other-client');
    expect((await victim.initSession()).status).toBe(200);
    const own = Array.from({ length: 6 }, () => s.client('dev-client'));
    for (const c of own) expect((await c.initSession()).status).toBe(200);
    expectError(await own[0]!.send(await own[0]!.seal(INTROSPECT, PLAINTEXT)), 401, 'invalid_session');
    expect((await own[1]!.call(INTROSPECT, PLAINTEXT)).status).toBe(200);
    expect((await victim.call(INTROSPECT, PLAINTEXT)).status).toBe(200);
  });
});

describe.skipIf(redisUrl === undefined)('the same floods on Redis stores', () => {
  it('valid load at five times NONCE_SCOPE_MAX: none refused, a recent replay 409; a stranger\'s session flood evicts nothing of the victim', async () => {
    const env = { NONCE_SCOPE_MAX: '100', SESSION_CLIENT_MAX: '20' };
    const redis = connectRedis(redisUrl!);
    const prefix = uniquePrefix();
    const clock = new ManualClock(Date.now());
    const stores = redisStores(redis, prefix, randomBytes(32), clock, undefined, storeLimits(testConfig(env)));
    const s = (sidecar = await testSidecar({ env, clock, stores }));
    try {
      const client = s.client();
      const victim = s.client('other-client');
      expect((await client.initSession()).status).toBe(200);
      expect((await victim.initSession()).status).toBe(200);
      const { statuses, last } = await sealedLoad(s, client, 500);
      expect(Object.fromEntries(statuses)).toEqual({ 200: 500 });
      expectError(await client.send(last.at(-1)!), 409, 'replay_detected');

      // 30 inits as dev-client: it keeps its 20 newest, the victim keeps its one.
      for (let i = 0; i < 30; i += 1) expect((await s.client('dev-client').initSession()).status).toBe(200);
      expect((await victim.call(INTROSPECT, PLAINTEXT)).status).toBe(200);
      expectError(await client.send(await client.seal(INTROSPECT, PLAINTEXT)), 401, 'invalid_session');
    } finally {
      await s.close();
      sidecar = undefined;
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  });
});
