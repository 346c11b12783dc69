/**
 * Sidecar throughput over HTTP, embedded mode (identity API and sidecar in one process,
 * in-process forwarding, SQLite, memory stores), with autocannon:
 *
 * - session init (anonymous), against a bare route doing only the same ECDH + HKDF;
 * - encrypted introspection (open, replay checks, forward to the real identity API, seal),
 *   against a bare route doing only the same AES-256-GCM open + seal, and against a bare
 *   route that opens, hands the plaintext to the same identity app in process and seals
 *   its answer (what any encrypting proxy must do, without the sidecar's checks).
 *
 * Run it with `npx tsx bench/suites/sidecar.ts [--quick]`, or as a suite (`name`, `run(opts)`).
 * The servers run in a child process (this file with `--serve`), so the load generator
 * does not share their thread. Requests are built before each run, each with a fresh
 * `X-Idempotency-Key`; encrypted ones are sealed ahead of time. Each pair (bare, sidecar)
 * runs back to back, in alternating order, over several rounds; each ratio is the median of
 * the per-round ratios, so it compares figures taken under the same machine load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  buildAad,
  decodePublicKey,
  deriveSessionKeySync,
  encodeBase64,
  encodeEnvelope,
  generateKeyPairSync,
  kidFromSessionId,
  makeIdempotencyKey,
  newSessionId,
  openSync,
  parseEnvelope,
  parseIdempotencyKey,
  sealSync,
  sharedSecretSync,
  zeroize,
} from '../../packages/protocol/src/index.js';
import { formatOps, printTable } from '../lib/measure.js';
import { median } from '../lib/results.js';
import { basicAuthorization, completeInit, initRequest, openAnswer, sealRequest, type ClientSession, type WireRequest } from '../lib/wire.js';
import { autocannon } from '../lib/load.js';
import type { BenchOptions } from '../lib/types.js';

export const name = 'sidecar';

const CLIENT_ID = 'dev-client';
const CLIENT_SECRET = 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!';
const CONNECTIONS = 16;
/** What the bare GCM route seals back: about the size of an introspection answer. */
const BARE_ANSWER = JSON.stringify({
  active: true,
  scope: 'orders.read orders.write',
  client_id: CLIENT_ID,
  sub: 'test-user',
  aud: 'orders-api',
  iss: 'http://localhost:8140',
  exp: 1_767_226_500,
  iat: 1_767_225_600,
  jti: randomUUID(),
  token_type: 'Bearer',
  roles: 'admin',
  tenant: 'test-corp',
});

// ─── the servers (child process) ────────────────────────────────────────────────────

interface Ready {
  bareUrl: string;
  sidecarUrl: string;
  identityUrl: string;
  bareKeyHex: string;
}

/** Start the bare routes and the embedded stack, print their URLs, run until SIGTERM. */
async function serve(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { loadConfig } = await import('../../packages/server/src/config.js');
  const { startStack } = await import('../../packages/server/src/stack.js');
  const { inProcessUpstream } = await import('../../packages/server/src/in-process-upstream.js');

  const dir = mkdtempSync(join(tmpdir(), 'idsvc-bench-'));
  const stack = await startStack(
    loadConfig({
      MODE: 'development',
      LOG_LEVEL: 'warn',
      SQLITE_PATH: join(dir, 'identity.db'),
      MASTER_KEY: randomBytes(32).toString('base64'),
      IDENTITY_PORT: '0',
      SIDECAR_PORT: '0',
    }),
  );

  const bareKey = randomBytes(32);
  const bare = Fastify({ logger: false });
  // Only the cryptography of session init: validate the point, key pair, ECDH, HKDF.
  bare.post('/bare/init', async (request) => {
    const peer = decodePublicKey((request.body as { clientPublicKey: string }).clientPublicKey);
    const keys = generateKeyPairSync();
    const secret = sharedSecretSync(keys.privateKey, peer);
    keys.privateKey.destroy();
    const sessionId = newSessionId();
    const key = deriveSessionKeySync(secret, sessionId, CLIENT_ID);
    zeroize(secret, key);
    return { sessionId, serverPublicKey: encodeBase64(keys.publicKey), encAlg: 'A256GCM', expiresInSec: 1800 };
  });
  /** Open with the request's AAD, let `answer` make the plaintext answer, seal it. */
  const openAndSeal = (answer: (plaintext: Uint8Array, authorization: string) => Promise<string> | string) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<string> => {
      const { timestamp, nonce } = parseIdempotencyKey(request.headers['x-idempotency-key'] as string);
      const kid = request.headers['x-kid'] as string;
      const plaintext = openSync(bareKey, buildAad({ timestamp, nonce, kid, clientId: CLIENT_ID }), parseEnvelope(request.body));
      const text = await answer(plaintext, request.headers.authorization ?? '');
      const answerKey = { timestamp: String(Date.now()), nonce: randomUUID() };
      const payload = sealSync(bareKey, buildAad({ ...answerKey, kid, clientId: CLIENT_ID }), text);
      void reply.header('x-kid', kid).header('x-idempotency-key', makeIdempotencyKey(Number(answerKey.timestamp), answerKey.nonce));
      return encodeEnvelope(payload);
    };
  // Only the cryptography of an encrypted call: open, seal a fixed answer of the same size.
  bare.post('/bare/gcm', openAndSeal(() => BARE_ANSWER));
  // The least any encrypting proxy does: open, hand the plaintext to the identity app in
  // process (as the embedded sidecar does), seal its answer.
  const identity = inProcessUpstream(stack.identityApp);
  bare.post(
    '/bare/forward',
    openAndSeal(async (plaintext, authorization) => {
      const response = await identity.send({ path: '/api/v1/introspect', headers: { 'content-type': 'application/json', authorization }, body: plaintext });
      return response.body.toString('utf8');
    }),
  );
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  const ready: Ready = { bareUrl, sidecarUrl: stack.sidecarUrl, identityUrl: stack.identityUrl, bareKeyHex: bareKey.toString('hex') };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
  process.once('SIGTERM', () => {
    void Promise.all([bare.close(), stack.close()]).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

/** Run this file as the server process and wait for its URLs. */
async function startServers(): Promise<{ ready: Ready; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^READY (.+)$/m.exec(out);
      if (line?.[1]) resolve(JSON.parse(line[1]) as Ready);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}: ${out}`)));
  });
  return { ready, child };
}

// ─── the load (this process) ────────────────────────────────────────────────────────

/** A request built before the run; the route is the run's. */
type PreparedRequest = Omit<WireRequest, 'path'>;


/** One figure of a run. */
interface Run {
  name: string;
  reqPerSec: number;
  meanMs: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Requests built during the run because the prepared ones ran out. */
  builtDuringRun: number;
}

/**
 * Drive `url` with POSTs taken in order from `prepared`; when they run out, `more()` builds
 * the next one (counted, so a figure that leaned on it says so).
 */
async function cannon(name: string, url: string, durationSec: number, prepared: PreparedRequest[], more: () => PreparedRequest): Promise<Run> {
  let next = 0;
  let built = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: durationSec,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          let item = prepared[next++];
          if (item === undefined) {
            item = more();
            built++;
          }
          request.headers = item.headers;
          request.body = item.body;
          return request;
        },
      },
    ],
  });
  return {
    name,
    reqPerSec: result.requests.average,
    meanMs: result.latency.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    builtDuringRun: built,
  };
}

/** A session of this process with the sidecar, made over HTTP. */
async function openSession(sidecarUrl: string): Promise<ClientSession> {
  const keys = generateKeyPairSync();
  try {
    const request = initRequest('/api/v1/session/init', CLIENT_ID, keys.publicKey);
    const response = await fetch(`${sidecarUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
    if (response.status !== 200) throw new Error(`session init answered ${response.status}`);
    return completeInit(CLIENT_ID, keys, await response.text(), response.headers.get('x-kid') ?? undefined);
  } finally {
    keys.privateKey.destroy();
  }
}

/** A sealed request for `session`, with a fresh idempotency key. */
function sealed(session: ClientSession, plaintext: string, extra: Record<string, string>): PreparedRequest {
  const { headers, body } = sealRequest(session, '', plaintext, extra);
  return { headers, body };
}

/** An access token of dev-client, issued through the sidecar. */
async function issueToken(sidecarUrl: string, session: ClientSession): Promise<string> {
  const request = sealRequest(session, '/api/v1/token/issue', JSON.stringify({ audience: 'orders-api', scope: 'orders.read orders.write', subject: 'test-user', custom_claims: { roles: 'admin', tenant: 'test-corp' } }), {
    authorization: basicAuthorization(CLIENT_ID, CLIENT_SECRET),
  });
  const response = await fetch(`${sidecarUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  const headers = { 'x-idempotency-key': response.headers.get('x-idempotency-key') ?? undefined, 'x-kid': response.headers.get('x-kid') ?? undefined };
  const tokens = openAnswer<{ access_token?: string }>(session, await response.text(), headers);
  if (response.status !== 200 || tokens.access_token === undefined) throw new Error(`token issue answered ${response.status}`);
  return tokens.access_token;
}

function medianRun(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(opts: BenchOptions): Promise<unknown> {
  const durationSec = opts.quick ? 2 : 5;
  const rounds = opts.quick ? 1 : 3;
  /** Prepared requests per sidecar run: more than the route can take in that time. */
  const poolSize = durationSec * 9000;
  const { ready, child } = await startServers();
  try {
    const clientKeys = generateKeyPairSync();
    const clientPublicKey = clientKeys.publicKey;
    clientKeys.privateKey.destroy();
    const newInit = (): PreparedRequest => {
      const { headers, body } = initRequest('', CLIENT_ID, clientPublicKey);
      return { headers, body };
    };

    const session = await openSession(ready.sidecarUrl);
    const token = await issueToken(ready.sidecarUrl, session);
    const introspection = JSON.stringify({ token, token_type_hint: 'access_token' });
    const introspectRequest = (): PreparedRequest => sealed(session, introspection, { authorization: `Bearer ${token}` });
    const bare: ClientSession = { clientId: CLIENT_ID, kid: kidFromSessionId(newSessionId()), key: Buffer.from(ready.bareKeyHex, 'hex') };
    const bareRequest = (): PreparedRequest => sealed(bare, introspection, { authorization: `Bearer ${token}` });
    const pool = (make: () => PreparedRequest): PreparedRequest[] => Array.from({ length: poolSize }, make);

    // Warm-up: JIT, connection pools, caches (client directory, signing key).
    await cannon('warm-up', `${ready.sidecarUrl}/api/v1/session/init`, 1, [], newInit);
    await cannon('warm-up', `${ready.sidecarUrl}/api/v1/introspect`, 1, [], introspectRequest);
    await cannon('warm-up', `${ready.bareUrl}/bare/init`, 1, [], newInit);
    await cannon('warm-up', `${ready.bareUrl}/bare/gcm`, 1, [], bareRequest);
    await cannon('warm-up', `${ready.bareUrl}/bare/forward`, 1, [], bareRequest);

    type Key = 'bareInit' | 'init' | 'bareGcm' | 'bareForward' | 'introspect';
    const plans: Record<Key, () => Promise<Run>> = {
      bareInit: () => cannon('bare ECDH + HKDF route', `${ready.bareUrl}/bare/init`, durationSec, pool(newInit), newInit),
      init: () => cannon('sidecar session init', `${ready.sidecarUrl}/api/v1/session/init`, durationSec, pool(newInit), newInit),
      bareGcm: () => cannon('bare AES-GCM open + seal route', `${ready.bareUrl}/bare/gcm`, durationSec, pool(bareRequest), bareRequest),
      bareForward: () => cannon('bare open + identity in process + seal', `${ready.bareUrl}/bare/forward`, durationSec, pool(bareRequest), bareRequest),
      introspect: () => cannon('sidecar encrypted introspection', `${ready.sidecarUrl}/api/v1/introspect`, durationSec, pool(introspectRequest), introspectRequest),
    };
    const groups: Key[][] = [
      ['bareInit', 'init'],
      ['bareGcm', 'bareForward', 'introspect'],
    ];
    const runs: Record<Key, Run[]> = { bareInit: [], init: [], bareGcm: [], bareForward: [], introspect: [] };
    const ratioRuns = { sessionInit: [] as number[], encryptedIntrospection: [] as number[], vsBareForward: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      // Every other round in reverse order, so neither side of a ratio always runs first.
      for (const group of groups) {
        for (const key of round % 2 === 0 ? group : [...group].reverse()) runs[key].push(await plans[key]());
      }
      const last = (key: Key): number => runs[key].at(-1)!.reqPerSec;
      ratioRuns.sessionInit.push(last('init') / last('bareInit'));
      ratioRuns.encryptedIntrospection.push(last('introspect') / last('bareGcm'));
      ratioRuns.vsBareForward.push(last('introspect') / last('bareForward'));
    }
    const [bareInit, init, bareGcm, bareForward, introspect] = (['bareInit', 'init', 'bareGcm', 'bareForward', 'introspect'] as const).map((key) =>
      medianRun(runs[key]),
    ) as [Run, Run, Run, Run, Run];
    // The median of the per-round ratios: each ratio compares runs made under the same load.
    const initRatio = median(ratioRuns.sessionInit);
    const introspectRatio = median(ratioRuns.encryptedIntrospection);
    const forwardRatio = median(ratioRuns.vsBareForward);

    console.log(`Embedded stack: SQLite, memory stores, in-process forwarding, LOG_LEVEL=warn; autocannon ${CONNECTIONS} connections, ${durationSec} s per run, median of ${rounds} round(s)`);
    printTable(
      'HTTP throughput (servers in a child process, load from this one)',
      ['route', 'req/s', 'mean ms', 'p99 ms', 'non-2xx', 'errors'],
      [bareInit, init, bareGcm, bareForward, introspect].map((r) => [r.name, formatOps(r.reqPerSec), r.meanMs.toFixed(2), String(r.p99Ms), String(r.non2xx), String(r.errors)]),
    );
    console.log('\nRatios (median of the per-round ratios):');
    console.log(`session init / bare ECDH+HKDF route:             ${initRatio.toFixed(2)} (target >= 0.80)`);
    console.log(`encrypted introspection / bare open+seal route:   ${introspectRatio.toFixed(2)} (target >= 0.75)`);
    console.log(`encrypted introspection / bare open+forward+seal: ${forwardRatio.toFixed(2)} (the sidecar's own share: checks, stores, headers)`);
    const leaned = [bareInit, init, bareGcm, bareForward, introspect].filter((r) => r.builtDuringRun > 0);
    for (const r of leaned) console.log(`note: ${r.name} built ${r.builtDuringRun} requests during the run (the prepared ones ran out)`);
    const failed = [init, introspect].filter((r) => r.non2xx > 0 || r.errors > 0);
    for (const r of failed) console.log(`WARNING: ${r.name} had ${r.non2xx} non-2xx answers and ${r.errors} errors`);

    return {
      settings: { connections: CONNECTIONS, durationSec, rounds, stores: 'memory', database: 'sqlite', forwarding: 'in-process', logLevel: 'warn' },
      figures: { bareInit, init, bareGcm, bareForward, introspect },
      ratios: { sessionInit: initRatio, encryptedIntrospection: introspectRatio, encryptedIntrospectionVsBareForward: forwardRatio },
      ratiosPerRound: ratioRuns,
      targets: { sessionInit: 0.8, encryptedIntrospection: 0.75 },
    };
  } finally {
    child.kill('SIGTERM');
  }
}

// Run on its own: `npx tsx bench/suites/sidecar.ts [--quick]` (`--serve` is the server child).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const main = process.argv.includes('--serve')
    ? serve()
    : run(process.argv.includes('--quick') ? { quick: true, timeMs: 300, rounds: 1, warmupMs: 50 } : { quick: false, timeMs: 3000, rounds: 3, warmupMs: 100 });
  main.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
