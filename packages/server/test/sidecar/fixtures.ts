/**
 * Fixtures of the sidecar tests: a configuration, a stand-in identity API that records what
 * it receives, and a sidecar wired to it in one call.
 */
import { createPrivateKey, generateKeyPairSync, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint } from 'jose';
import type { HandshakeKeysAnswer, HandshakePublicJwk } from '../../src/contract/internal-api.js';
import { type Config, loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createSidecarApp, type SidecarAppOptions } from '../../src/sidecar/app.js';
import { cachedClientDirectory } from '../../src/sidecar/client-directory.js';
import { upstreamHandshakeKeys } from '../../src/sidecar/handshake-keys.js';
import { injectUpstream } from '../../src/sidecar/upstream-inject.js';
import { type SidecarStores, memoryStores } from '../../src/stores/index.js';
import { WireClient, injectTransport } from '../helpers/wire-client.js';

export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef';
export const KNOWN_CLIENTS = ['dev-client', 'external-partner-test', 'other-client'];

/** A development configuration with quiet logs; `env` overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ MODE: 'development', LOG_LEVEL: 'silent', SQLITE_PATH: ':memory:', ...env });
}

/** What the stand-in identity API received. */
export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A bearer token the stand-in accepts at session init. */
export interface FakeBearer {
  token: string;
  clientId: string;
  sub: string;
}

/** A handshake key the stand-in hands to the sidecar. */
export interface FakeHandshakeKey {
  publicJwk: HandshakePublicJwk;
  privateKey: KeyObject;
}

/** A handshake key from a private JWK (`d` included), or a fresh one; its kid is the RFC 7638 thumbprint. */
export async function handshakeKey(privateJwk?: { kty: string; crv: string; x: string; y: string; d: string }): Promise<FakeHandshakeKey> {
  const privateKey = privateJwk ? createPrivateKey({ key: privateJwk as NodeJwk, format: 'jwk' }) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const { x, y } = privateKey.export({ format: 'jwk' });
  const members = { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! };
  return { publicJwk: { ...members, kid: await calculateJwkThumbprint(members), use: 'sig', alg: 'ES256' }, privateKey };
}

export interface FakeIdentity {
  app: FastifyInstance;
  received: Received[];
  bearers: FakeBearer[];
  /** The active handshake key it hands out, and any further published keys (next, retired). */
  handshake: FakeHandshakeKey;
  otherHandshakeKeys: HandshakePublicJwk[];
  /** The clock its `refresh_at` counts from (the sidecar's, once wired to one); keys are handed out for an hour. */
  now: () => number;
  /** How often the sidecar asked for its handshake keys. */
  handshakeFetches: number;
  /** When set, the answer of the handshake key route instead of the keys (an outage, say). */
  handshakeFailure?: { status: number; body: string } | undefined;
  /** Answer of the next forwarded requests; default 200 `{"ok":true,"path":...}`. */
  answer: (request: Received) => { status: number; body: string };
}

/**
 * A stand-in identity API: answers the four forwarded routes with `answer` and records
 * each request with its raw body bytes; `/internal/v1/bearer/verify` (recorded too) vouches for `bearers`
 * and, like the real one, exists only for callers with the internal secret.
 */
export async function fakeIdentity(): Promise<FakeIdentity> {
  const app = Fastify({ logger: false });
  const fake: FakeIdentity = {
    app,
    received: [],
    bearers: [],
    handshake: await handshakeKey(),
    otherHandshakeKeys: [],
    handshakeFetches: 0,
    now: () => Date.now(),
    answer: (request) => ({ status: 200, body: JSON.stringify({ ok: true, path: request.path }) }),
  };
  app.get('/internal/v1/handshake-keys', async (request, reply) => {
    if (request.headers['x-idsvc-internal-auth'] !== INTERNAL_SECRET) return reply.code(404).send({ error: 'not_found' });
    fake.handshakeFetches++;
    if (fake.handshakeFailure) return reply.code(fake.handshakeFailure.status).type('application/json').send(fake.handshakeFailure.body);
    const { publicJwk, privateKey } = fake.handshake;
    const answer: HandshakeKeysAnswer = {
      keys: [publicJwk, ...fake.otherHandshakeKeys],
      active: { kid: publicJwk.kid, pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') },
      refresh_at: fake.now() + 3_600_000,
    };
    return answer;
  });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  for (const path of ['/api/v1/token/issue', '/api/v1/introspect', '/api/v1/token', '/api/v1/revoke']) {
    app.post(path, async (request, reply) => {
      const received: Received = { path, headers: { ...request.headers }, body: request.body as Buffer };
      fake.received.push(received);
      const { status, body } = fake.answer(received);
      return reply.code(status).type('application/json').send(body);
    });
  }
  app.post('/internal/v1/bearer/verify', async (request, reply) => {
    fake.received.push({ path: '/internal/v1/bearer/verify', headers: { ...request.headers }, body: request.body as Buffer });
    if (request.headers['x-idsvc-internal-auth'] !== INTERNAL_SECRET) return reply.code(404).send({ error: 'not_found' });
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const bearer = fake.bearers.find((b) => b.token === token);
    if (!bearer || bearer.clientId !== request.headers['x-clientid'] || bearer.sub !== request.headers['x-subject']) {
      return reply.code(401).send({ error: 'unauthorized', error_description: 'no' });
    }
    return { active: true, sub: bearer.sub, client_id: bearer.clientId, exp: Math.floor(Date.now() / 1000) + 900 };
  });
  await app.ready();
  return fake;
}

export interface TestSidecar {
  app: FastifyInstance;
  fake: FakeIdentity;
  clock: ManualClock;
  stores: SidecarStores;
  config: Config;
  /** A wire client for `clientId` (default `dev-client`) on the sidecar's clock, through inject. */
  client(clientId?: string): WireClient;
  close(): Promise<void>;
}

/** A sidecar in front of a stand-in identity API, on a manual clock, with memory stores. */
export async function testSidecar(
  options: { env?: Record<string, string>; stores?: SidecarStores; clock?: ManualClock } & Partial<SidecarAppOptions> = {},
): Promise<TestSidecar> {
  const config = testConfig(options.env);
  const clock = options.clock ?? new ManualClock(Date.now());
  const fake = await fakeIdentity();
  fake.now = () => clock.now();
  const stores = options.stores ?? memoryStores(config, clock);
  const app = await createSidecarApp({
    config,
    clock,
    stores,
    upstream: options.upstream ?? injectUpstream(fake.app),
    clients: options.clients ?? cachedClientDirectory(async (id) => KNOWN_CLIENTS.includes(id)),
    // From the stand-in even when `upstream` is another (a broken one, say): those tests are about forwarding.
    handshakeKeys: options.handshakeKeys ?? upstreamHandshakeKeys(injectUpstream(fake.app), INTERNAL_SECRET, clock),
    internalSecret: INTERNAL_SECRET,
    ...(options.generateKeyPair ? { generateKeyPair: options.generateKeyPair } : {}),
    ...(options.newSessionId ? { newSessionId: options.newSessionId } : {}),
  });
  await app.ready();
  return {
    app,
    fake,
    clock,
    stores,
    config,
    client: (clientId = 'dev-client') => new WireClient({ transport: injectTransport(app), clientId, now: () => clock.now() }),
    close: async () => {
      await app.close();
      await fake.app.close();
    },
  };
}
