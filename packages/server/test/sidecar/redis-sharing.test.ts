/**
 * docs/protocol.md section 6: with several sidecar instances the stores are shared (Redis), so
 * a session made on one instance works on another, and a nonce replayed to another
 * instance is still caught.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from '@idsvc/protocol';
import { ManualClock } from '../../src/lib/clock.js';
import { redisStores } from '../../src/stores/index.js';
import { WireClient, injectTransport } from '../helpers/wire-client.js';
import { type TestSidecar, testSidecar } from './fixtures.js';
import { deletePrefix, requireRedis, uniquePrefix } from '../helpers/redis-env.js';

const redisUrl = await requireRedis();

describe.skipIf(redisUrl === undefined)('two sidecar instances sharing Redis', () => {
  const prefix = uniquePrefix();
  const masterKey = randomBytes(32);
  const clock = new ManualClock(Date.now());
  const connections: Redis[] = [];
  let a: TestSidecar;
  let b: TestSidecar;

  async function instance(): Promise<TestSidecar> {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    connections.push(redis);
    return testSidecar({ clock, stores: redisStores(redis, prefix, masterKey, clock) });
  }

  beforeAll(async () => {
    a = await instance();
    b = await instance();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await deletePrefix(connections[0]!, prefix);
    await Promise.all(connections.map((c) => c.quit()));
  });

  /** A client that talks to instance A or B as told. */
  function clientOn(target: TestSidecar, clientId = 'dev-client'): WireClient {
    return new WireClient({ transport: injectTransport(target.app), clientId, now: () => clock.now() });
  }

  it('a session made on one instance is used on the other', async () => {
    const onA = clientOn(a);
    await onA.initSession();
    const onB = clientOn(b);
    onB.session = onA.session;
    const result = await onB.call('/api/v1/introspect', '{"token":"t"}');
    expect(result).toMatchObject({ status: 200, encrypted: true, json: { ok: true } });
    expect(b.fake.received).toHaveLength(1);
  });

  it('a request replayed to the other instance answers 409 replay_detected', async () => {
    const client = clientOn(a);
    await client.initSession();
    const request = await client.seal('/api/v1/revoke', '{"token":"t"}');
    expect((await client.send(request)).status).toBe(200);
    const replay = await injectTransport(b.app)(request);
    expect(replay.status).toBe(409);
    expect(JSON.parse(replay.body)).toEqual(errorBody('replay_detected'));
  });

  it('a session init replayed to the other instance answers 409 replay_detected', async () => {
    const onA = clientOn(a);
    expect((await onA.initSession()).status).toBe(200);
    // The same request, byte for byte, sent to instance b.
    const replay = await clientOn(b).send(onA.lastInitRequest());
    expect(replay.status).toBe(409);
  });

  it('a session of one client is refused to another client on the other instance', async () => {
    const onA = clientOn(a);
    await onA.initSession();
    const request = await onA.seal('/api/v1/introspect', '{}');
    const response = await injectTransport(b.app)({ ...request, headers: { ...request.headers, 'x-clientid': 'other-client' } });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual(errorBody('invalid_session'));
  });

  it('a session expires on both instances at once', async () => {
    const onA = clientOn(a);
    await onA.initSession();
    clock.advance(1800 * 1000);
    const onB = clientOn(b);
    onB.session = onA.session;
    const response = await onB.send(await onB.seal('/api/v1/introspect', '{}'));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual(errorBody('invalid_session'));
  });
});
