/**
 * The operating surface of both services, in process: `/healthz`, `/readyz`, `/metrics`
 * with the counts an operator watches, the request id, the internal client-status route and
 * the sidecar's client directory that uses it, and which database errors answer 503.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityApp, identityServicesOf } from '../../src/identity/app.js';
import { ManualClock } from '../../src/lib/clock.js';
import { toWireError } from '../../src/ops/wire-errors.js';
import { isDatabaseUnavailable } from '../../src/storage/database-errors.js';
import { ServiceMetrics, opsServerOptions, registerOps } from '../../src/ops/index.js';
import { createSidecarApp } from '../../src/sidecar/app.js';
import { upstreamClientDirectory } from '../../src/sidecar/client-directory.js';
import { httpUpstream } from '../../src/sidecar/upstream-http.js';
import { injectUpstream } from '../../src/sidecar/upstream-inject.js';
import { openSqlite } from '../../src/storage/database.js';
import { StoreUnavailableError } from '../../src/stores/errors.js';
import { createStores, memoryStores } from '../../src/stores/index.js';
import { withDatabase } from '../helpers/db.js';
import { INTERNAL_SECRET, registerClient, testConfig } from '../helpers/identity.js';
import { redisAvailable, REDIS_URL } from '../helpers/redis.js';
import { WireClient, basicAuth, injectTransport } from '../helpers/wire-client.js';
import { uniquePrefix } from '../helpers/redis-env.js';
import { testSidecar } from '../sidecar/fixtures.js';
import { eventually, freePort } from './helpers/cli.js';
import { ISSUE_REQUEST, sixStepJourney } from './helpers/journey.js';
import { metricValue } from './helpers/metrics.js';

const redisUp = await redisAvailable();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A pino logger whose lines the test can read. */
function capturingLogger(): { logger: FastifyBaseLogger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream) as unknown as FastifyBaseLogger,
    lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const tdb = withDatabase({ kind: 'sqlite' });
const identityLog = capturingLogger();
let identity: FastifyInstance;
let sidecar: FastifyInstance;
let client: { id: string; secret: string };

beforeAll(async () => {
  const config = testConfig(tdb, { INTERNAL_SECRET });
  identity = await createIdentityApp({ config, db: tdb.db, internalSecret: INTERNAL_SECRET, logger: identityLog.logger });
  // The sidecar asks the identity API which clients exist, as a sidecar apart does.
  sidecar = await createSidecarApp({
    config,
    internalSecret: INTERNAL_SECRET,
    upstream: injectUpstream(identity),
    clients: upstreamClientDirectory(injectUpstream(identity), INTERNAL_SECRET),
    stores: memoryStores(config),
  });
  client = await registerClient(identity);
});

afterAll(async () => {
  await sidecar?.close();
  await identity?.close();
});

function wire(clientId = client.id): WireClient {
  return new WireClient({ transport: injectTransport(sidecar), clientId });
}

async function metricsOf(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return response.body;
}

describe('liveness and readiness', () => {
  it('both services answer /healthz 200 while the process lives', async () => {
    for (const app of [identity, sidecar]) {
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('the identity API is ready when its database answers', async () => {
    const response = await identity.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('a sidecar with memory stores has nothing to wait for', async () => {
    const response = await sidecar.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: {} });
  });

  it.skipIf(!redisUp)('a sidecar with Redis stores is ready when Redis answers', async () => {
    const prefix = uniquePrefix();
    const config = testConfig(tdb, { REDIS_URL, REDIS_KEY_PREFIX: prefix });
    const stores = createStores(config, { masterKey: randomBytes(32) });
    const app = await createSidecarApp({ config, internalSecret: INTERNAL_SECRET, upstream: injectUpstream(identity), clients: upstreamClientDirectory(injectUpstream(identity), INTERNAL_SECRET), stores });
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ready', checks: { redis: 'ok' } });
    } finally {
      await app.close();
    }
  });

  it('answers 503 and names the failing check when the database does not answer', async () => {
    const db = openSqlite(':memory:');
    const config = testConfig(tdb);
    const app = await createIdentityApp({ config, db, logger: false });
    try {
      await db.destroy();
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable', checks: { database: 'failing' } });
      // Alive all the same: an orchestrator should wait, not restart it.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('metrics', () => {
  it('serve Prometheus text with the process metrics and the service label', async () => {
    for (const [app, service] of [
      [identity, 'identity'],
      [sidecar, 'sidecar'],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_active_handles_total']) {
        expect(metricValue(response.body, name)).toBeGreaterThan(0);
      }
      expect(response.body).toContain(`service="${service}"`);
    }
  });

  it('count a journey: sessions by type, tokens issued, rotations, revocations, requests by route and status', async () => {
    const [sidecarBefore, identityBefore] = await Promise.all([metricsOf(sidecar), metricsOf(identity)]);
    await sixStepJourney(() => wire(), client);
    const [sidecarAfter, identityAfter] = await Promise.all([metricsOf(sidecar), metricsOf(identity)]);
    const delta = (before: string, after: string, name: string, labels: Record<string, string> = {}): number =>
      metricValue(after, name, labels) - metricValue(before, name, labels);

    expect(delta(sidecarBefore, sidecarAfter, 'idsvc_sessions_created_total', { type: 'anonymous' })).toBe(1);
    expect(delta(sidecarBefore, sidecarAfter, 'idsvc_sessions_created_total', { type: 'authenticated' })).toBe(1);
    expect(delta(identityBefore, identityAfter, 'idsvc_tokens_issued_total', { grant: 'issue' })).toBe(1);
    expect(delta(identityBefore, identityAfter, 'idsvc_tokens_issued_total', { grant: 'refresh_token' })).toBe(1);
    expect(delta(identityBefore, identityAfter, 'idsvc_refresh_rotations_total')).toBe(1);
    expect(delta(identityBefore, identityAfter, 'idsvc_revocations_total', { outcome: 'family_revoked' })).toBe(1);

    const sidecarRoute = (route: string, status: string) => ({ route, method: 'POST', status_code: status, service: 'sidecar' });
    expect(delta(sidecarBefore, sidecarAfter, 'idsvc_http_requests_total', sidecarRoute('/api/v1/session/init', '200'))).toBe(2);
    expect(delta(sidecarBefore, sidecarAfter, 'idsvc_http_requests_total', sidecarRoute('/api/v1/introspect', '200'))).toBe(1);
    // The check after the journey: the sealed 401 of a dead bearer.
    expect(delta(sidecarBefore, sidecarAfter, 'idsvc_http_requests_total', sidecarRoute('/api/v1/introspect', '401'))).toBe(1);
    expect(delta(sidecarBefore, sidecarAfter, 'idsvc_http_request_duration_seconds_count', sidecarRoute('/api/v1/token', '200'))).toBe(1);
    // The identity API saw the internal client lookup at most once (cached) and the bearer check once.
    expect(delta(identityBefore, identityAfter, 'idsvc_http_requests_total', { route: '/internal/v1/bearer/verify', status_code: '200' })).toBe(1);
  });

  it('count replays and payloads that do not decrypt at the sidecar', async () => {
    const before = await metricsOf(sidecar);
    const w = wire();
    await w.initSession();
    const sealed = await w.seal('/api/v1/introspect', '{"token":"x"}', { authorization: 'Bearer x' });
    await w.send(sealed);
    expect((await w.send(sealed)).status).toBe(409);
    const tampered = await w.seal('/api/v1/introspect', '{"token":"x"}');
    const payload = Buffer.from(tampered.payloadB64, 'base64');
    payload[payload.length - 1]! ^= 1;
    tampered.body = JSON.stringify({ payload: payload.toString('base64') });
    expect((await w.send(tampered)).status).toBe(400);
    const after = await metricsOf(sidecar);
    expect(metricValue(after, 'idsvc_replays_rejected_total') - metricValue(before, 'idsvc_replays_rejected_total')).toBe(1);
    expect(metricValue(after, 'idsvc_decryption_failures_total') - metricValue(before, 'idsvc_decryption_failures_total')).toBe(1);
  });

  it('count a spent refresh token presented again (reuse)', async () => {
    const w = wire();
    await w.initSession();
    const issued = (await w.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) })).json as {
      access_token: string;
      refresh_token: string;
    };
    const before = await metricsOf(identity);
    const refresh = () =>
      w.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: issued.refresh_token }, { authorization: `Bearer ${issued.access_token}` });
    expect((await refresh()).status).toBe(200);
    expect((await refresh()).status).toBe(400);
    const after = await metricsOf(identity);
    expect(metricValue(after, 'idsvc_refresh_reuse_detected_total') - metricValue(before, 'idsvc_refresh_reuse_detected_total')).toBe(1);
  });

  it('count the older families an issue with single_session revokes', async () => {
    const w = wire();
    await w.initSession();
    const subject = `single-${randomBytes(4).toString('hex')}`;
    const issue = () => w.call('/api/v1/token/issue', { ...ISSUE_REQUEST, subject, single_session: true }, { authorization: basicAuth(client.id, client.secret) });
    expect((await issue()).status).toBe(200);
    expect((await issue()).status).toBe(200);
    const before = await metricsOf(identity);
    // Two live families of the subject now: the next issue revokes the one left.
    expect((await issue()).status).toBe(200);
    const after = await metricsOf(identity);
    expect(metricValue(after, 'idsvc_single_session_revocations_total') - metricValue(before, 'idsvc_single_session_revocations_total')).toBe(1);
  });

  it('count the changes of the signing-key set, the first keys and each rotation', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const db = openSqlite(':memory:');
    const app = await createIdentityApp({ config: testConfig(tdb, { SIGNING_KEY_ROTATION: '3600' }), db, clock, logger: false });
    try {
      const rotations = async (): Promise<number> => metricValue(await metricsOf(app), 'idsvc_signing_key_rotations_total');
      expect(await rotations()).toBe(1);
      const c = await registerClient(app);
      clock.advance(3601 * 1000);
      const issued = await app.inject({
        method: 'POST',
        url: '/api/v1/token/issue',
        headers: { 'content-type': 'application/json', authorization: basicAuth(c.id, c.secret) },
        payload: ISSUE_REQUEST,
      });
      expect(issued.statusCode).toBe(200);
      expect(await rotations()).toBe(2);
    } finally {
      await app.close();
      await db.destroy();
    }
  });

  it('do not count the operating routes as API requests', async () => {
    await sidecar.inject({ method: 'GET', url: '/healthz' });
    await sidecar.inject({ method: 'GET', url: '/readyz' });
    const text = await metricsOf(sidecar);
    for (const route of ['/healthz', '/readyz', '/metrics']) expect(metricValue(text, 'idsvc_http_requests_total', { route })).toBe(0);
  });
});

describe('request id (x-request-id)', () => {
  it('the sidecar keeps a well-formed id, forwards it to the identity API and echoes it', async () => {
    const s = await testSidecar();
    try {
      const w = s.client();
      await w.initSession();
      const id = 'lb-7f3a:req.0042_X';
      const response = await w.send(await w.seal('/api/v1/introspect', '{"token":"t"}', { 'x-request-id': id }));
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toBe(id);
      expect(s.fake.received.at(-1)!.headers['x-request-id']).toBe(id);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['absent', undefined],
    ['with a space', 'a b'],
    ['with a quote', 'a"b'],
    ['longer than 128 characters', 'a'.repeat(129)],
    ['not ASCII', 'réq'],
    ['empty', ''],
  ])('the sidecar replaces an id that is %s with a UUID of its own, and forwards that', async (_what, presented) => {
    const s = await testSidecar();
    try {
      const w = s.client();
      await w.initSession();
      const response = await w.send(await w.seal('/api/v1/introspect', '{"token":"t"}', presented !== undefined ? { 'x-request-id': presented } : {}));
      const id = response.headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(s.fake.received.at(-1)!.headers['x-request-id']).toBe(id);
    } finally {
      await s.close();
    }
  });

  it('the identity API logs under the id the sidecar forwarded', async () => {
    const id = `fwd-${randomBytes(6).toString('hex')}`;
    const response = await identity.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { 'x-request-id': id } });
    expect(response.headers['x-request-id']).toBe(id);
    const mine = identityLog.lines().filter((line) => line.reqId === id);
    expect(mine.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });
});

describe('GET /internal/v1/clients/:id', () => {
  const get = (id: string, headers: Record<string, string> = { 'x-idsvc-internal-auth': INTERNAL_SECRET }) =>
    identity.inject({ method: 'GET', url: `/internal/v1/clients/${encodeURIComponent(id)}`, headers });

  it('answers a registered client\'s id and status, and nothing else about it', async () => {
    const response = await get(client.id);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: client.id, status: 'active' });
  });

  it('says "disabled" for a disabled client', async () => {
    const other = await registerClient(identity);
    await identityServicesOf(identity).admin.disable(other.id);
    expect((await get(other.id)).json()).toEqual({ id: other.id, status: 'disabled' });
  });

  it('answers 404 for an unknown id, even one with characters URLs reserve', async () => {
    for (const id of ['nobody', 'a/b?c#d%e f']) {
      const response = await get(id);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: 'not_found' });
    }
    const dotted = await registerClient(identity, { id: 'partner.eu-1_a' });
    expect((await get(dotted.id)).json()).toEqual({ id: 'partner.eu-1_a', status: 'active' });
  });

  it('does not exist without the internal secret: 404, as /internal/v1/bearer/verify', async () => {
    const attempts: Record<string, string>[] = [{}, { 'x-idsvc-internal-auth': 'guessed-secret-guessed-secret-guessed' }];
    for (const headers of attempts) {
      const response = await get(client.id, headers);
      expect(response.statusCode).toBe(404);
      expect(Object.keys(response.json()).sort()).toEqual(['error', 'error_description']);
    }
  });
});

describe('the sidecar\'s client directory asks the identity API', () => {
  it('opens sessions for an active client and refuses a disabled or unknown one with 401 invalid_client', async () => {
    expect((await wire().initSession()).status).toBe(200);
    const disabled = await registerClient(identity);
    await identityServicesOf(identity).admin.disable(disabled.id);
    for (const id of [disabled.id, 'nobody-at-all']) {
      const response = await wire(id).initSession();
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_client' });
    }
  });

  it('keeps a positive answer briefly, then asks again', async () => {
    const clock = new ManualClock(Date.now());
    const directory = upstreamClientDirectory(injectUpstream(identity), INTERNAL_SECRET, { clock, ttlMs: 30_000 });
    const c = await registerClient(identity);
    expect(await directory.isActive(c.id)).toBe(true);
    await identityServicesOf(identity).admin.disable(c.id);
    expect(await directory.isActive(c.id)).toBe(true);
    clock.advance(30_001);
    expect(await directory.isActive(c.id)).toBe(false);
  });

  it('cannot tell when the identity API does not answer: 503 temporarily_unavailable, fail closed', async () => {
    const upstream = httpUpstream({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 1000 });
    const directory = upstreamClientDirectory(upstream, INTERNAL_SECRET);
    await expect(directory.isActive(client.id)).rejects.toBeInstanceOf(StoreUnavailableError);
    const config = testConfig(tdb);
    const app = await createSidecarApp({ config, internalSecret: INTERNAL_SECRET, upstream, clients: directory, stores: memoryStores(config) });
    try {
      const response = await new WireClient({ transport: injectTransport(app), clientId: client.id }).initSession();
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body)).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) as string });
    } finally {
      await app.close();
    }
  });

  it('a wrong internal secret looks like unknown clients, never like active ones', async () => {
    const directory = upstreamClientDirectory(injectUpstream(identity), 'not-the-internal-secret-not-the-internal');
    expect(await directory.isActive(client.id)).toBe(false);
  });
});

describe('database errors that mean "unavailable"', () => {
  it('recognises a refused PostgreSQL connection and answers it 503 temporarily_unavailable', async () => {
    const pgClient = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x`, connectionTimeoutMillis: 2000 });
    const err = await pgClient.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(err)).toBe(true);
    const oauth = toWireError(err);
    expect(oauth.status).toBe(503);
    expect(oauth.toBody()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) as string });
  });

  it.each([
    ['a server shut down by its administrator (57P01)', { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['a connection failure (08006)', { code: '08006', message: 'connection failure' }],
    ['a server that cannot accept connections yet (57P03)', { code: '57P03', message: 'the database system is starting up' }],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['SQLite still locked after the busy timeout', { code: 'SQLITE_BUSY', message: 'database is locked' }],
    ['a wrapped cause', new Error('query failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })],
  ])('%s is unavailable', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', { code: '23505', message: 'duplicate key value' }],
    ['a syntax error (42601)', { code: '42601', message: 'syntax error' }],
    ['a bug', new TypeError('x is not a function')],
    ['nothing', undefined],
  ])('%s is not', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it.each([
    ['a unique violation (23505)', { code: '23505', message: 'duplicate key value' }],
    ['a syntax error (42601)', { code: '42601', message: 'syntax error' }],
    ['a bug', new TypeError('x is not a function')],
  ])('%s answers 500', (_what, err) => {
    expect(toWireError(err).status).toBe(500);
  });
});

describe('draining on close', () => {
  it('finishes the request in flight with connection: close, and answers latecomers 503 in the OAuth shape', async () => {
    const app = Fastify({ logger: false, ...opsServerOptions() });
    registerOps(app, { metrics: new ServiceMetrics('sidecar'), checks: [] });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    app.get('/slow', async () => {
      started();
      await gate;
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await running;

    // Two requests whose heads are still arriving when the close begins: they are served
    // after it began (a connection that is idle at that moment is simply closed).
    const late = await halfSentRequest(port, '/slow');
    const ready = await halfSentRequest(port, '/readyz');
    const closed = app.close();
    // The close has begun once the port no longer takes new connections.
    await eventually(async () => !(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false)), 5000, 'the listener to close');
    const [lateAnswer, readyAnswer] = await Promise.all([late(), ready()]);
    expect(lateAnswer).toMatch(/^HTTP\/1\.1 503 /);
    expect(lateAnswer.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(lateAnswer.slice(lateAnswer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.any(String) as string,
    });
    expect(readyAnswer).toMatch(/^HTTP\/1\.1 503 /);
    expect(readyAnswer).toContain('{"status":"draining","checks":{}}');

    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ done: true });
    expect(answer.headers.get('connection')).toBe('close');
    await closed;
  });
});

/** Send all of a GET's head but its last line; the returned function finishes it and resolves with the raw answer. */
async function halfSentRequest(port: number, path: string): Promise<() => Promise<string>> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n`);
  // Let the server see the partial head before anything else happens.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return async () => {
    socket.end('\r\n');
    await ended;
    return received;
  };
}
