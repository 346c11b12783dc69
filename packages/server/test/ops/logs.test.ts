/**
 * The logs of a full journey, read as an operator (or an attacker with the log store)
 * would: `idsvc identity` (SQLite file) and `idsvc sidecar` (shared Redis under a key
 * prefix of this file, and no database at all) log at `trace`, the most they ever say.
 * Every secret the journey used must be absent from every line; the request id must tie the
 * lines of one request together across both processes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { type Transport, type WireRequest, WireClient, basicAuth, httpTransport } from '../helpers/wire-client.js';
import { deletePrefix } from '../helpers/redis-env.js';
import { type CliProcess, startCli, startIdentity } from './helpers/cli.js';
import { ISSUE_REQUEST, sixStepJourney } from './helpers/journey.js';
import { type RegisteredClient, createClient, newSecrets, processEnv } from './helpers/stack.js';
import { waitFor } from '../helpers/wait-for.js';

const available = await redisAvailable();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Tokens {
  access_token: string;
  refresh_token: string;
}

// The last test stops both processes and reads everything the tests before it made them
// log: the tests of this file keep their written order even in a shuffled run.
describe.skipIf(!available)('logs of a full journey across both processes', { shuffle: false }, () => {
  const secrets = newSecrets();
  const prefix = `t_${randomBytes(6).toString('hex')}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'idsvc-ops-logs-'));
  const sidecarDir = mkdtempSync(join(tmpdir(), 'idsvc-ops-sidecar-'));
  let identity: CliProcess;
  let sidecar: CliProcess;
  let basicClient: RegisteredClient;
  let hmacClient: RegisteredClient;

  /** Everything secret that crossed the wire, with the name to report if it leaks. */
  const secretsSeen = new Map<string, string>();
  const remember = (what: string, value: string | undefined): void => {
    if (value !== undefined && value.length >= 16) secretsSeen.set(value, what);
  };

  /** Sends over HTTP and remembers every payload, credential and signature it carried. */
  const recording = (base: Transport): Transport => async (request: WireRequest) => {
    rememberPayload('request payload', request.body);
    remember('authorization header', request.headers.authorization);
    remember('x-signature', request.headers['x-signature']);
    const response = await base(request);
    rememberPayload('response payload', response.body);
    return response;
  };
  const rememberPayload = (what: string, body: string | undefined): void => {
    try {
      const payload = (JSON.parse(body ?? '') as { payload?: unknown }).payload;
      if (typeof payload === 'string') remember(what, payload);
    } catch {
      // Not an envelope.
    }
  };
  const rememberKey = (wire: WireClient): void => {
    if (wire.session === undefined) return;
    remember('session key (hex)', Buffer.from(wire.session.key).toString('hex'));
    remember('session key (base64)', Buffer.from(wire.session.key).toString('base64'));
  };
  const rememberTokens = (tokens: Partial<Tokens>): void => {
    remember('access token', tokens.access_token);
    remember('refresh token', tokens.refresh_token);
  };

  beforeAll(async () => {
    const env = processEnv(secrets, { LOG_LEVEL: 'trace' });
    identity = await startIdentity({ ...env, SQLITE_PATH: join(dataDir, 'identity.db') });
    // No DATABASE_URL or SQLITE_PATH: the sidecar needs no database.
    sidecar = await startCli(['sidecar', '--identity-url', identity.url], { ...env, REDIS_URL, REDIS_KEY_PREFIX: prefix }, {
      name: 'sidecar',
      ready: /sidecar listening on (\S+?),/,
      cwd: sidecarDir,
    });
    basicClient = await createClient(identity.url, secrets.ADMIN_TOKEN, 'basic');
    hmacClient = await createClient(identity.url, secrets.ADMIN_TOKEN, 'hmac');
    remember('master key (base64)', secrets.MASTER_KEY);
    remember('master key (hex)', Buffer.from(secrets.MASTER_KEY, 'base64').toString('hex'));
    remember('admin token', secrets.ADMIN_TOKEN);
    remember('internal secret', secrets.INTERNAL_SECRET);
    for (const c of [basicClient, hmacClient]) {
      remember('client secret', c.secret);
      remember('Basic credentials', Buffer.from(`${c.id}:${c.secret}`).toString('base64'));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sidecar?.stop(), identity?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(sidecarDir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  const wire = (clientId: string): WireClient => new WireClient({ transport: recording(httpTransport(sidecar.url)), clientId });

  it('the sidecar runs without any database', () => {
    expect(readdirSync(sidecarDir)).toEqual([]);
    expect(existsSync(join(sidecarDir, 'data'))).toBe(false);
  });

  it('carry the request id from the sidecar to the identity API', async () => {
    const w = wire(basicClient.id);
    await w.initSession();
    rememberKey(w);
    const given = `ops-trace-${randomBytes(4).toString('hex')}`;
    const issued = await w.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(basicClient.id, basicClient.secret), headers: { 'x-request-id': given } });
    expect(issued.headers['x-request-id']).toBe(given);
    rememberTokens(issued.json as Tokens);

    // A malformed one is replaced by the sidecar, and its replacement is forwarded.
    const replaced = await w.call('/api/v1/introspect', { token: 'x'.repeat(20) }, { authorization: `Bearer ${(issued.json as Tokens).access_token}`, headers: { 'x-request-id': 'bad id\twith tab' } });
    const generated = replaced.headers['x-request-id'] ?? '';
    expect(generated).toMatch(UUID);

    // Pino writes asynchronously: wait until both processes have logged the end of both requests.
    const completed = (logs: Record<string, unknown>[], id: string) => logs.some((line) => line.reqId === id && line.msg === 'request completed');
    await waitFor(() => [given, generated].every((id) => completed(sidecar.logs(), id) && completed(identity.logs(), id)), 'both requests logged by both processes');
    for (const id of [given, generated]) {
      const inSidecar = sidecar.logs().filter((line) => line.reqId === id);
      const inIdentity = identity.logs().filter((line) => line.reqId === id);
      expect(inSidecar.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
      expect(inIdentity.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    }
    expect(sidecar.stdout()).not.toContain('bad id');
  });

  it('hold no secret, token, key or payload of the journey, its failures included', async () => {
    // The journey, through the Basic client.
    const trace = await sixStepJourney(() => wire(basicClient.id), basicClient);
    for (const key of trace.sessionKeys) {
      remember('session key (hex)', key.toString('hex'));
      remember('session key (base64)', key.toString('base64'));
    }
    rememberTokens({ access_token: trace.access1, refresh_token: trace.refresh1 });
    rememberTokens({ access_token: trace.access2, refresh_token: trace.refresh2 });

    // The HMAC client, then refusals that log a reason.
    const h = wire(hmacClient.id);
    await h.initSession();
    rememberKey(h);
    const signed = await h.call('/api/v1/token/issue', ISSUE_REQUEST, { hmacSecret: hmacClient.secret });
    expect(signed.status).toBe(200);
    const hmacTokens = signed.json as Tokens;
    rememberTokens(hmacTokens);
    expect((await h.call('/api/v1/token/issue', ISSUE_REQUEST, { hmacSecret: `${hmacClient.secret}-wrong` })).status).toBe(401);

    const b = wire(basicClient.id);
    await b.initSession();
    rememberKey(b);
    expect((await b.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(basicClient.id, `${basicClient.secret}x`) })).status).toBe(401);
    const live = (await b.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(basicClient.id, basicClient.secret) })).json as Tokens;
    rememberTokens(live);
    // A body that is not JSON, starting with a refresh token: a parser would quote it.
    const broken = await b.call('/api/v1/token', `${live.refresh_token} is not JSON`, { authorization: `Bearer ${live.access_token}` });
    expect(broken).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    // A spent refresh token presented again, and a bearer of the dead family.
    const body = { grant_type: 'refresh_token', refresh_token: live.refresh_token };
    const rotated = await b.call('/api/v1/token', body, { authorization: `Bearer ${live.access_token}` });
    rememberTokens(rotated.json as Tokens);
    expect((await b.call('/api/v1/token', body, { authorization: `Bearer ${live.access_token}` })).status).toBe(400);
    expect((await b.initSession({ bearer: live.access_token, subject: 'test-user' })).status).toBe(401);
    // A replay and a payload that does not decrypt.
    const sealed = await b.seal('/api/v1/introspect', JSON.stringify({ token: hmacTokens.access_token }), { authorization: `Bearer ${hmacTokens.access_token}` });
    rememberPayload('request payload', sealed.body);
    await b.send(sealed);
    expect((await b.send(sealed)).status).toBe(409);
    const tampered = await b.seal('/api/v1/introspect', JSON.stringify({ token: trace.access1 }));
    const flipped = Buffer.from(tampered.payloadB64, 'base64');
    flipped[20]! ^= 0x40;
    tampered.body = JSON.stringify({ payload: flipped.toString('base64') });
    rememberPayload('request payload', tampered.body);
    expect((await b.send(tampered)).status).toBe(400);

    // Credentials in query strings, on routes of both services: the probe's admin token in
    // the URL of an admin route, and planted ones on public, internal and unknown routes.
    const planted = `planted-${randomBytes(16).toString('hex')}`;
    remember('credential in a query string', planted);
    const queried: [string, string, string][] = [
      [identity.url, 'GET', `/admin/v1/clients?access_token=${secrets.ADMIN_TOKEN}`],
      [identity.url, 'POST', `/api/v1/introspect?access_token=${planted}`],
      [identity.url, 'GET', `/internal/v1/clients/x?secret=${planted}`],
      [identity.url, 'GET', `/.well-known/jwks.json?key=${planted}`],
      [sidecar.url, 'POST', `/api/v1/introspect?access_token=${planted}`],
      [sidecar.url, 'POST', `/api/v1/session/init?token=${planted}`],
      [sidecar.url, 'GET', `/no/such/route?password=${planted}`],
    ];
    for (const [base, method, path] of queried) {
      const response = await fetch(`${base}${path}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
      expect(response.status).toBeGreaterThanOrEqual(200);
      await response.arrayBuffer();
    }

    // Stop both, so every line is written, then read everything they printed.
    await Promise.all([sidecar.stop(), identity.stop()]);
    const logs = [sidecar.stdout(), sidecar.stderr(), identity.stdout(), identity.stderr()].join('\n');
    expect(sidecar.logs().length).toBeGreaterThan(30);
    expect(identity.logs().length).toBeGreaterThan(30);
    expect(secretsSeen.size).toBeGreaterThan(40);

    const leaks: string[] = [];
    for (const [secret, what] of secretsSeen) {
      // The whole value, its last 12 characters, and its first 10 (what a JSON parser quotes).
      for (const fragment of new Set([secret, secret.slice(-12), ...(/^(eyJ|admin-|internal-)/.test(secret) ? [] : [secret.slice(0, 10)])])) {
        if (logs.includes(fragment)) leaks.push(`${what} (${fragment === secret ? 'whole' : 'fragment'})`);
      }
      // A JWT's signature is what makes it a token.
      if (secret.startsWith('eyJ')) {
        const signature = secret.split('.')[2] ?? '';
        if (logs.includes(signature.slice(0, 16))) leaks.push(`${what} (signature)`);
      }
    }
    expect(leaks).toEqual([]);
  }, 60_000);

});
