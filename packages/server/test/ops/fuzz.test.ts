/**
 * Property-based HTTP fuzzing of every route of both services (fast-check): random
 * methods, paths near the real ones, hostile headers and bodies. Whatever arrives, the
 * answer is never a 5xx other than the documented back-off (`503 temporarily_unavailable`
 * with `Retry-After`), every refusal is `{error, error_description}` with a (code, status)
 * pair of the error table of docs/protocol.md section 10, and afterwards the stack still
 * serves a valid journey. Runs are bounded (a few hundred requests per service, in
 * process through inject), so the suite takes seconds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHS, makeIdempotencyKey } from '@idsvc/protocol';
import { loadConfig } from '../../src/config.js';
import { type Stack, startStack } from '../../src/stack.js';
import { identityServicesOf } from '../../src/identity/app.js';
import { WireClient, basicAuth, injectTransport } from '../helpers/wire-client.js';

const DEV_SECRET = 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!';
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
const INTERNAL_SECRET = randomBytes(32).toString('hex');
const SPEC = new URL('../../../../docs/protocol.md', import.meta.url);

/** The (code, status) pairs of the error table, read from the document itself. */
function documentedPairs(): Set<string> {
  const lines = readFileSync(SPEC, 'utf8').split('\n');
  const head = lines.findIndex((l) => l.trim() === '| code | status | meaning |');
  const pairs = new Set<string>();
  for (let i = head + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const match = /^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/.exec(lines[i]!.trim());
    if (match !== null) pairs.add(`${match[1]} ${match[2]}`);
  }
  return pairs;
}
const DOCUMENTED = documentedPairs();

interface Answer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

/** What every answer to a fuzzed request must be; the reason when it is not. */
function problem(method: string, answer: Answer): string | undefined {
  if (answer.status >= 500) {
    const body = safeJson(answer.body);
    const backoff = answer.status === 503 && body?.error === 'temporarily_unavailable' && answer.headers['retry-after'] !== undefined;
    if (!backoff) return `a ${answer.status}: ${answer.body.slice(0, 200)}`;
  }
  if (answer.status < 400 || method === 'HEAD') return undefined;
  const body = safeJson(answer.body);
  if (body === undefined) return `a ${answer.status} whose body is not JSON: ${answer.body.slice(0, 200)}`;
  if (Object.keys(body).sort().join(',') !== 'error,error_description' || typeof body.error_description !== 'string') {
    return `a ${answer.status} not in the OAuth shape: ${answer.body.slice(0, 200)}`;
  }
  if (!DOCUMENTED.has(`${String(body.error)} ${answer.status}`)) return `an undocumented pair: ${String(body.error)} ${answer.status}`;
  return undefined;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ─── arbitraries ─────────────────────────────────────────────────────────────────────

const anyMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
/** Mostly absent: a header that, when present, is refused before the deeper checks. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const idLike = fc.oneof(
  fc.constantFrom('dev-client', 'external-partner-test', 'nobody', ''),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 120, maxLength: 300, unit: 'grapheme-ascii' }),
);
const segment = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._~-]{0,20}$/), idLike.map((s) => encodeURIComponent(s)));
const suffix = fc.oneof(
  { weight: 12, arbitrary: fc.constant('') },
  fc.constant('/'),
  segment.map((s) => `/${s}`),
  fc.string({ maxLength: 30 }).map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
  fc.constantFrom('/..', '/%2e%2e', '//', '%00', '?a=1&a=2', '#frag'),
);

/** Every route of each service, as `METHOD path` (`{id}` a path parameter). */
const SIDECAR_ROUTES = [
  `POST ${PATHS.sessionInit}`,
  `POST ${PATHS.tokenIssue}`,
  `POST ${PATHS.introspect}`,
  `POST ${PATHS.refresh}`,
  `POST ${PATHS.revoke}`,
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'OPTIONS /api/v1/introspect',
];
const IDENTITY_ROUTES = [
  ...SIDECAR_ROUTES.filter((r) => r !== `POST ${PATHS.sessionInit}` && !r.startsWith('OPTIONS')),
  'GET /.well-known/jwks.json',
  'GET /.well-known/oauth-authorization-server',
  'GET /openapi.json',
  'GET /admin/v1/clients',
  'POST /admin/v1/clients',
  'GET /admin/v1/clients/{id}',
  'PATCH /admin/v1/clients/{id}',
  'POST /admin/v1/clients/{id}/rotate-secret',
  'POST /admin/v1/clients/{id}/disable',
  'POST /internal/v1/bearer/verify',
  'GET /internal/v1/clients/{id}',
];

/** Mostly a real route with its own method; sometimes another method; then an odd suffix now and then. */
function routeArb(routes: readonly string[]): fc.Arbitrary<{ method: string; path: string }> {
  return fc
    .tuple(fc.constantFrom(...routes), segment, suffix, fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyMethod }))
    .map(([route, id, tail, other]) => {
      const [method, template] = route.split(' ') as [string, string];
      return { method: other ?? method, path: template.replace('{id}', id) + tail };
    });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const headerValue = fc.oneof(fc.string({ maxLength: 60, unit: 'grapheme-ascii' }).map((s) => s.replace(/[\r\n\0]/g, ' ')), fc.constant(''));
const authorization = fc.oneof(
  fc.tuple(idLike, fc.string({ maxLength: 40 })).map(([id, secret]) => `Basic ${b64(`${id}:${secret}`)}`),
  fc.constant(`Basic ${b64(`dev-client:${DEV_SECRET}`)}`),
  fc.constant(`Bearer ${ADMIN_TOKEN}`),
  fc.string({ maxLength: 80, unit: 'grapheme-ascii' }).map((t) => `Bearer ${t.replace(/[\r\n\0]/g, '')}`),
  fc.constantFrom('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Basic', 'Basic !!!', 'Bearer '),
  headerValue,
);
const idempotencyKey = fc.oneof(
  fc.constant(undefined).map(() => makeIdempotencyKey()),
  fc.tuple(fc.integer({ min: -1, max: 2 ** 53 }), fc.string({ maxLength: 140 })).map(([t, n]) => `${t}.${n}`.replace(/[\r\n\0]/g, '')),
  headerValue,
);
/** The kid of a live session of dev-client, so that requests reach the session and envelope checks. */
let liveKid = '';
const kid = fc.oneof(fc.stringMatching(/^S-[0-9a-f]{32}$/).map((s) => `kid-${s}`), fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/), headerValue);
const headers = fc.record(
  {
    'content-type': fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '') },
    ),
    authorization,
    'x-clientid': fc.oneof({ weight: 4, arbitrary: fc.constant('dev-client') }, { weight: 1, arbitrary: idLike.map((s) => s.replace(/[\r\n\0]/g, '')) }),
    'x-idempotency-key': fc.oneof({ weight: 3, arbitrary: fc.constant(undefined).map(() => makeIdempotencyKey()) }, { weight: 1, arbitrary: idempotencyKey }),
    'x-kid': fc.oneof({ weight: 3, arbitrary: fc.constant(undefined).map(() => liveKid) }, { weight: 1, arbitrary: kid }),
    'x-signature': fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{64}$/), headerValue),
    'x-subject': headerValue,
    'x-request-id': headerValue,
    'x-idsvc-internal-auth': fc.oneof(headerValue, fc.constant(INTERNAL_SECRET)),
    'content-encoding': rarely(fc.constantFrom('gzip', 'identity', 'br', 'x')),
    origin: rarely(fc.constantFrom('https://app.example.test', 'null')),
    'access-control-request-method': rarely(fc.constantFrom('POST', 'DELETE')),
  },
  { requiredKeys: ['content-type', 'x-clientid', 'x-idempotency-key', 'x-kid'] },
);
const jsonBody = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        clientPublicKey: fc.oneof(fc.base64String({ maxLength: 120 }), fc.constant('BA' + 'A'.repeat(86)), fc.anything()),
        payload: fc.oneof(fc.base64String({ maxLength: 200 }), fc.anything()),
        token: fc.oneof(fc.string({ maxLength: 600 }), fc.anything()),
        token_type_hint: fc.oneof(fc.constantFrom('access_token', 'refresh_token'), fc.anything()),
        grant_type: fc.oneof(fc.constantFrom('refresh_token', 'client_credentials'), fc.anything()),
        refresh_token: fc.oneof(fc.string({ maxLength: 80 }), fc.anything()),
        audience: fc.oneof(fc.constantFrom('orders-api', ''), fc.anything()),
        scope: fc.oneof(fc.constantFrom('orders.read', 'orders.read orders.write', 'admin'), fc.anything()),
        subject: fc.oneof(fc.string({ maxLength: 300 }), fc.anything()),
        include_refresh_token: fc.anything(),
        single_session: fc.anything(),
        custom_claims: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), fc.anything()),
        client_id: fc.anything(),
        name: fc.anything(),
        auth_method: fc.oneof(fc.constantFrom('basic', 'hmac'), fc.anything()),
        scopes: fc.anything(),
        audiences: fc.anything(),
        __proto__: fc.anything(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o) ?? 'null'),
);
/** An envelope that parses (strict base64, at least 28 bytes) but was sealed under no key of ours. */
const envelope = fc.uint8Array({ minLength: 28, maxLength: 160 }).map((b) => JSON.stringify({ payload: Buffer.from(b).toString('base64') }));
const body = fc.oneof(
  { weight: 3, arbitrary: envelope },
  { weight: 5, arbitrary: jsonBody },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'null', '[]', '1e999') },
);
const request = (routes: readonly string[]) => fc.tuple(routeArb(routes), headers, body).map(([route, h, b]) => ({ ...route, headers: h, body: b }));

// ─── the stack ───────────────────────────────────────────────────────────────────────

let dir: string;
let stack: Stack;
const PROBE_ID = `probe-${randomBytes(8).toString('hex')}`;
let probeSecret = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idsvc-fuzz-'));
  stack = await startStack(
    loadConfig({
      MODE: 'development',
      LOG_LEVEL: 'silent',
      SQLITE_PATH: join(dir, 'fuzz.db'),
      MASTER_KEY: randomBytes(32).toString('base64'),
      ADMIN_TOKEN,
      INTERNAL_SECRET,
      IDENTITY_PORT: '0',
      SIDECAR_PORT: '0',
      CORS_ORIGINS: 'https://app.example.test',
    }),
  );
  const wire = new WireClient({ transport: injectTransport(stack.sidecarApp), clientId: 'dev-client' });
  await wire.initSession();
  liveKid = wire.session!.kid;
  const probe = await identityServicesOf(stack.identityApp).admin.create({
    clientId: PROBE_ID,
    name: 'probe',
    authMethod: 'basic',
    scopes: ['orders.read'],
    audiences: ['orders-api'],
  });
  probeSecret = probe.client_secret;
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function send(app: FastifyInstance, r: { method: string; path: string; headers: Record<string, string | undefined>; body: string }): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers)) if (value !== undefined) headers[name] = value;
  const hasBody = !['GET', 'HEAD'].includes(r.method);
  const response = await app.inject({ method: r.method as 'GET', url: r.path, headers, ...(hasBody ? { payload: r.body } : {}) });
  return { status: response.statusCode, body: response.body, headers: response.headers };
}

/**
 * A journey step that must still work: session, Basic issue, introspection, all through the
 * sidecar, as a client the fuzz never names (it may disable or rotate dev-client through the
 * admin API, with the admin token among its headers).
 */
async function stillServes(): Promise<void> {
  const wire = new WireClient({ transport: injectTransport(stack.sidecarApp), clientId: PROBE_ID });
  expect((await wire.initSession()).status).toBe(200);
  const issued = await wire.call(PATHS.tokenIssue, { audience: 'orders-api', scope: 'orders.read', subject: 'fuzz-user' }, { authorization: basicAuth(PROBE_ID, probeSecret) });
  expect(issued.status).toBe(200);
  const token = (issued.json as { access_token: string }).access_token;
  const described = await wire.call(PATHS.introspect, { token }, { authorization: `Bearer ${token}` });
  expect(described).toMatchObject({ status: 200, json: { active: true } });
}

describe('fuzzing every route', () => {
  it('the error table has the pairs the checks rely on', () => {
    for (const pair of ['invalid_request 400', 'not_found 404', 'temporarily_unavailable 503', 'unsupported_media_type 415']) expect(DOCUMENTED).toContain(pair);
  });

  it.each([
    ['sidecar', () => stack.sidecarApp, SIDECAR_ROUTES],
    ['identity API', () => stack.identityApp, IDENTITY_ROUTES],
  ] as const)('the %s answers anything with a documented answer, never a 5xx, and still serves afterwards', async (_name, app, routes) => {
    await stillServes();
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request(routes), async (r) => {
        const answer = await send(app(), r);
        const wrong = problem(r.method, answer);
        if (wrong !== undefined) throw new Error(`${r.method} ${r.path.slice(0, 120)}: ${wrong}`);
        seen.add(answer.status < 400 ? String(answer.status) : String(safeJson(answer.body)?.error ?? answer.status));
      }),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    // The requests got past the router to the checks behind it, not only 404s.
    expect(seen.size).toBeGreaterThanOrEqual(5);
    await stillServes();
  }, 60_000);
});
