/** Building an identity API for a test and talking to it over `inject`. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { createIdentityApp, identityServicesOf } from '../../src/identity/app.js';
import { loadConfig, type Config, type RawEnv } from '../../src/config.js';
import { ManualClock } from '../../src/lib/clock.js';
import type { AuthMethod } from '../../src/storage/schema.js';
import type { TestDatabase } from './db.js';

export const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
export const INTERNAL_SECRET = `internal-${randomBytes(24).toString('hex')}`;
/** One master key per test process: every app on a test database can open what another wrote. */
export const MASTER_KEY = randomBytes(32).toString('base64');
/** A fixed start time, so expiry arithmetic in tests is exact. */
export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** A production-mode configuration on the test database, silent, with an admin token. */
export function testConfig(tdb: TestDatabase, env: RawEnv = {}): Config {
  return loadConfig({
    MODE: 'production',
    LOG_LEVEL: 'silent',
    MASTER_KEY,
    ADMIN_TOKEN,
    ...tdb.env,
    ...env,
  });
}

/** A running identity API of one test file. */
export interface TestIdentity {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
  readonly config: Config;
}

/** Options of {@link withIdentity}. */
export interface WithIdentityOptions {
  env?: RawEnv;
  internalSecret?: string;
}

/** Build the app on `tdb` with a ManualClock at {@link T0} in beforeAll; close it in afterAll. */
export function withIdentity(tdb: TestDatabase, options: WithIdentityOptions = {}): TestIdentity {
  let app: FastifyInstance | undefined;
  let config: Config | undefined;
  const clock = new ManualClock(T0);
  beforeAll(async () => {
    config = testConfig(tdb, options.env);
    app = await createIdentityApp({ config, db: tdb.db, clock, logger: false, internalSecret: options.internalSecret });
  });
  afterAll(async () => {
    await app?.close();
  });
  return {
    clock,
    get app() {
      if (app === undefined) throw new Error('withIdentity: the app exists only between beforeAll and afterAll');
      return app;
    },
    get config() {
      if (config === undefined) throw new Error('withIdentity: no config before beforeAll');
      return config;
    },
  };
}

/** `Authorization: Basic ...` for a client id and secret. */
export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64')}`;
}

/** `Authorization: Bearer ...`. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** What {@link registerClient} takes. */
export interface ClientSpec {
  id?: string;
  authMethod?: AuthMethod;
  scopes?: string[];
  audiences?: string[];
  secret?: string;
}

/** Register a client through the admin service; returns its id and secret. */
export async function registerClient(app: FastifyInstance, spec: ClientSpec = {}): Promise<{ id: string; secret: string }> {
  const created = await identityServicesOf(app).admin.create({
    clientId: spec.id ?? `c-${randomBytes(6).toString('hex')}`,
    name: 'test client',
    authMethod: spec.authMethod ?? 'basic',
    scopes: spec.scopes ?? ['orders.read', 'orders.write'],
    audiences: spec.audiences ?? ['orders-api'],
    secret: spec.secret,
  });
  return { id: created.client_id, secret: created.client_secret };
}

/** POST a JSON body (an object, serialised here, or the exact text to send). */
export function post(app: FastifyInstance, url: string, headers: Record<string, string>, body: unknown): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The default issue body. */
export const ISSUE_BODY = { audience: 'orders-api', scope: 'orders.read', subject: 'test-user', include_refresh_token: true };

/** Token issue with Basic; fails the test unless it answers 200. */
export async function issueTokens(
  app: FastifyInstance,
  client: { id: string; secret: string },
  body: Record<string, unknown> = ISSUE_BODY,
): Promise<{ access_token: string; refresh_token: string; scope: string; expires_in: number; token_type: string }> {
  const res = await post(app, '/api/v1/token/issue', { authorization: basic(client.id, client.secret) }, body);
  if (res.statusCode !== 200) throw new Error(`issue answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** Decode a JWT's header and payload without checking anything. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

/** Assert the OAuth error shape: exactly `error` and `error_description`, both strings. */
export function oauthError(res: LightMyRequestResponse): string {
  const body = res.json<Record<string, unknown>>();
  if (Object.keys(body).sort().join(',') !== 'error,error_description' || typeof body.error !== 'string' || typeof body.error_description !== 'string') {
    throw new Error(`not an OAuth error body: ${res.body}`);
  }
  return body.error;
}

/** Two clients A and B registered on first use and kept for the file: the caller and "another client". */
export function twoClients(t: TestIdentity): () => Promise<{ a: { id: string; secret: string }; b: { id: string; secret: string } }> {
  let a: { id: string; secret: string } | undefined;
  let b: { id: string; secret: string } | undefined;
  return async () => {
    a ??= await registerClient(t.app);
    b ??= await registerClient(t.app);
    return { a, b };
  };
}

/** Whether introspection by the bearer `caller` says `token` is active. */
export async function isActive(app: FastifyInstance, caller: string, token: string): Promise<boolean> {
  const res = await post(app, '/api/v1/introspect', { authorization: bearer(caller) }, { token });
  return res.json<{ active: boolean }>().active;
}
