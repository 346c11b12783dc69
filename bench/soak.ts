/**
 * `npx tsx bench/soak.ts [--seconds 60] [--connections 4] [--sample 5]`: a bounded load
 * for about a minute against the scaled shape, watching that nothing grows without limit.
 *
 * The shape: two `idsvc identity` and two `idsvc sidecar` processes (children, from the
 * TypeScript sources), sharing a PostgreSQL database made for the run and a Redis key prefix
 * of the run (both removed afterwards). `--connections` clients loop over the journey
 * (session init, issue, introspect, refresh, revoke), each step on the other sidecar. Every
 * `--sample` seconds the script reads each server process's memory (RSS, heap) and open
 * handles from its `/metrics`, and counts the nonce and session keys in Redis.
 *
 * The nonce and session lifetimes are shortened (NONCE_TTL, SESSION_TTL_*) so that within
 * a minute the stores reach the steady state where keys expire as fast as they are made:
 * the counts must level off near rate x lifetime instead of climbing. Database rows do grow
 * with every token issued (by design, until housekeeping deletes expired ones a day later),
 * and are shown for information.
 *
 * PostgreSQL and Redis are the machine's (SOAK_POSTGRES_URL, SOAK_REDIS_URL). The report
 * goes to stdout; exit code 1 when the load saw failures or a store did not level off.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describeMachine, machine } from './lib/machine.js';
import { REPO_ROOT, startChild, type Child } from './lib/processes.js';
import { completeInit, generateKeyPairSync, initRequest, openAnswer, sealRequest, type ClientSession } from './lib/wire.js';

const CLI = join(REPO_ROOT, 'packages/server/src/cli/main.ts');
const SERVICES = {
  postgres: process.env.SOAK_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
/** Shortened lifetimes, so the stores reach their steady state within the run. */
const TTL = { nonce: 20, clockSkew: 10, anonymousSession: 20, authenticatedSession: 40 };

interface Settings {
  seconds: number;
  connections: number;
  sampleSec: number;
}

interface ProcessSample {
  rssMiB: number;
  heapMiB: number;
  handles: number;
  fds: number;
}

interface Sample {
  t: number;
  requests: number;
  sessionInits: number;
  failures: number;
  nonceKeys: number;
  sessionKeys: number;
  families: number;
  refreshTokens: number;
  processes: Record<string, ProcessSample>;
}

interface Shape {
  sidecars: string[];
  /** Name → base URL of every server process. */
  servers: Record<string, string>;
  client: { id: string; secret: string };
  keyPrefix: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

function parseSettings(): Settings {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, connections: { type: 'string', default: '4' }, sample: { type: 'string', default: '5' } },
    strict: true,
  });
  const settings = { seconds: Number(values.seconds), connections: Number(values.connections), sampleSec: Number(values.sample) };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name === 'sampleSec' ? 'sample' : name} must be a positive integer`);
  }
  return settings;
}

/** Two identity APIs and two sidecars on a fresh database and key prefix. */
async function startShape(): Promise<Shape> {
  const suffix = randomBytes(6).toString('hex');
  const database = `soak_${suffix}`;
  const keyPrefix = `idsvc-soak-${suffix}:`;
  const databaseUrl = new URL(SERVICES.postgres);
  databaseUrl.pathname = `/${database}`;
  const dir = await mkdtemp(join(tmpdir(), 'idsvc-soak-'));
  const children: Child[] = [];
  await adminQuery(`create database ${database}`);

  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop()));
    await adminQuery(`drop database if exists ${database} with (force)`).catch(() => undefined);
    const redis = new Redis(SERVICES.redis, { maxRetriesPerRequest: 1 });
    await scanKeys(redis, `${keyPrefix}*`, (keys) => redis.unlink(...keys));
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const env: Record<string, string> = {
      MODE: 'production',
      LOG_LEVEL: 'warn',
      MASTER_KEY: randomBytes(32).toString('base64'),
      ADMIN_TOKEN: randomBytes(32).toString('hex'),
      INTERNAL_SECRET: randomBytes(32).toString('hex'),
      DATABASE_URL: databaseUrl.href,
      REDIS_URL: SERVICES.redis,
      REDIS_KEY_PREFIX: keyPrefix,
      IDENTITY_HOST: '127.0.0.1',
      IDENTITY_PORT: '0',
      SIDECAR_HOST: '127.0.0.1',
      SIDECAR_PORT: '0',
      NONCE_TTL: String(TTL.nonce),
      CLOCK_SKEW: String(TTL.clockSkew),
      SESSION_TTL_ANONYMOUS: String(TTL.anonymousSession),
      SESSION_TTL_AUTHENTICATED: String(TTL.authenticatedSession),
    };
    const ready = (pattern: RegExp) => (out: string) => {
      const url = pattern.exec(out)?.[1];
      return url === undefined ? undefined : { url };
    };
    const identities = await Promise.all(
      [1, 2].map((n) => startChild({ name: `identity ${n}`, script: CLI, args: ['identity'], env, cwd: dir, ready: ready(/identity API listening on (\S+)/) })),
    );
    children.push(...identities);
    const sidecars = await Promise.all(
      identities.map((identity, i) =>
        startChild({
          name: `sidecar ${i + 1}`,
          script: CLI,
          args: ['sidecar', '--identity-url', identity.info.url as string],
          env,
          cwd: dir,
          ready: ready(/sidecar listening on (\S+?),/),
        }),
      ),
    );
    children.push(...sidecars);
    const client = await createClient(identities[0]!.info.url as string, env.ADMIN_TOKEN as string);
    const servers: Record<string, string> = {};
    for (const child of children) servers[child.name] = child.info.url as string;
    return { sidecars: sidecars.map((s) => s.info.url as string), servers, client, keyPrefix, databaseUrl: databaseUrl.href, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVICES.postgres });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

async function createClient(identityUrl: string, adminToken: string): Promise<{ id: string; secret: string }> {
  const response = await fetch(new URL('/admin/v1/clients', identityUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ name: 'soak client', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] }),
  });
  if (response.status !== 201) throw new Error(`client registration answered ${response.status}`);
  const body = (await response.json()) as { client_id: string; client_secret: string };
  return { id: body.client_id, secret: body.client_secret };
}

/** Call `each` with every batch of keys matching `pattern`; the number of keys. */
async function scanKeys(redis: Redis, pattern: string, each?: (keys: string[]) => Promise<unknown>): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
    if (keys.length > 0 && each !== undefined) await each(keys);
  } while (cursor !== '0');
  return count;
}

/** Counts of the load so far. */
interface LoadCounts {
  requests: number;
  /** Answered session inits, each of which stored one session. */
  sessionInits: number;
  failures: number;
  byStatus: Map<string, number>;
}

/** One client looping over the journey until `until`, each step on the next sidecar. */
async function clientLoop(shape: Shape, worker: number, until: number, counts: LoadCounts): Promise<void> {
  const basic = `Basic ${Buffer.from(`${shape.client.id}:${shape.client.secret}`).toString('base64')}`;
  let turn = worker;
  const next = (): string => shape.sidecars[turn++ % shape.sidecars.length] as string;
  const note = (label: string, status: number, ok: boolean): void => {
    counts.requests++;
    if (!ok) counts.failures++;
    const key = `${label} ${status}`;
    counts.byStatus.set(key, (counts.byStatus.get(key) ?? 0) + 1);
  };

  while (Date.now() < until) {
    try {
      const init = await initSession(next(), shape.client.id);
      note('session/init', init.status, init.status === 200);
      if (init.status === 200) counts.sessionInits++;
      const session = init.session;
      if (session === undefined) continue;
      const issued = await sealedCall(next(), session, '/api/v1/token/issue', { audience: 'orders-api', subject: `soak-${worker}`, include_refresh_token: true }, basic);
      note('token/issue', issued.status, issued.status === 200);
      if (issued.status !== 200) continue;
      const tokens = issued.body as { access_token: string; refresh_token: string };
      const bearer = `Bearer ${tokens.access_token}`;
      const introspected = await sealedCall(next(), session, '/api/v1/introspect', { token: tokens.access_token }, bearer);
      note('introspect', introspected.status, introspected.status === 200 && (introspected.body as { active?: boolean }).active === true);
      const refreshed = await sealedCall(next(), session, '/api/v1/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, bearer);
      note('token (refresh)', refreshed.status, refreshed.status === 200);
      if (refreshed.status !== 200) continue;
      const rotated = refreshed.body as { access_token: string; refresh_token: string };
      const revoked = await sealedCall(next(), session, '/api/v1/revoke', { token: rotated.refresh_token }, `Bearer ${rotated.access_token}`);
      note('revoke', revoked.status, revoked.status === 200);
      session.key.fill(0);
    } catch (err) {
      counts.requests++;
      counts.failures++;
      const key = `error ${err instanceof Error ? err.message : String(err)}`;
      counts.byStatus.set(key, (counts.byStatus.get(key) ?? 0) + 1);
    }
  }
}

/** A handshake with `sidecar`: the session, or only the status of a refused init. */
async function initSession(sidecar: string, clientId: string): Promise<{ status: number; session?: ClientSession }> {
  const keys = generateKeyPairSync();
  try {
    const request = initRequest('/api/v1/session/init', clientId, keys.publicKey);
    const response = await fetch(new URL(request.path, sidecar), { method: 'POST', headers: request.headers, body: request.body });
    const text = await response.text();
    if (response.status !== 200) return { status: response.status };
    return { status: 200, session: completeInit(clientId, keys, text, response.headers.get('x-kid') ?? undefined) };
  } finally {
    keys.privateKey.destroy();
  }
}

async function sealedCall(sidecar: string, session: ClientSession, path: string, body: unknown, authorization: string): Promise<{ status: number; body: unknown }> {
  const request = sealRequest(session, path, JSON.stringify(body), { authorization });
  const response = await fetch(new URL(request.path, sidecar), { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  const answerKey = response.headers.get('x-idempotency-key');
  // Refusals before a session is found are plaintext (docs/protocol.md section 5): no answer key.
  if (answerKey === null) return { status: response.status, body: JSON.parse(text) as unknown };
  const headers = { 'x-idempotency-key': answerKey, 'x-kid': response.headers.get('x-kid') ?? undefined };
  return { status: response.status, body: openAnswer(session, text, headers) };
}

/** Memory and handles of one server process, from its Prometheus process metrics. */
async function processSample(baseUrl: string): Promise<ProcessSample> {
  const text = await (await fetch(new URL('/metrics', baseUrl))).text();
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const MiB = 1024 * 1024;
  return {
    rssMiB: value('process_resident_memory_bytes') / MiB,
    heapMiB: value('nodejs_heap_size_used_bytes') / MiB,
    handles: value('nodejs_active_handles_total'),
    fds: value('process_open_fds'),
  };
}

async function takeSample(shape: Shape, redis: Redis, db: pg.Client, t: number, counts: LoadCounts): Promise<Sample> {
  const names = Object.keys(shape.servers);
  const [processSamples, nonceKeys, sessionKeys, rows] = await Promise.all([
    Promise.all(names.map((name) => processSample(shape.servers[name] as string))),
    scanKeys(redis, `${shape.keyPrefix}nonce:*`),
    scanKeys(redis, `${shape.keyPrefix}session:*`),
    db.query<{ families: string; refresh_tokens: string }>(
      'select (select count(*) from token_families) as families, (select count(*) from refresh_tokens) as refresh_tokens',
    ),
  ]);
  const processes: Record<string, ProcessSample> = {};
  names.forEach((name, i) => (processes[name] = processSamples[i] as ProcessSample));
  return {
    t,
    requests: counts.requests,
    sessionInits: counts.sessionInits,
    failures: counts.failures,
    nonceKeys,
    sessionKeys,
    families: Number(rows.rows[0]?.families),
    refreshTokens: Number(rows.rows[0]?.refresh_tokens),
    processes,
  };
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function printSample(s: Sample, names: string[]): void {
  const perProcess = names.map((name) => {
    const p = s.processes[name] as ProcessSample;
    return `${fmt(p.rssMiB)}/${fmt(p.heapMiB)}/${fmt(p.handles)}`;
  });
  process.stdout.write(
    `| ${fmt(s.t).padStart(4)} | ${String(s.requests).padStart(7)} | ${String(s.failures).padStart(5)} | ${String(s.nonceKeys).padStart(6)} | ${String(s.sessionKeys).padStart(8)} | ${String(s.families).padStart(8)} | ${perProcess.join(' | ')} |\n`,
  );
}

async function main(): Promise<number> {
  const settings = parseSettings();
  const host = machine();
  process.stdout.write(`# Soak: scaled shape, ${settings.seconds} s\n\n${describeMachine(host)}\n`);
  process.stdout.write(
    `Shape    2 x idsvc identity + 2 x idsvc sidecar (child processes, tsx), PostgreSQL ${SERVICES.postgres.replace(/\/\/[^@]*@/, '//')}, Redis ${SERVICES.redis}\n` +
      `Load     ${settings.connections} clients in a closed loop: session init, issue, introspect, refresh, revoke; each step on the other sidecar\n` +
      `Settings NONCE_TTL=${TTL.nonce} CLOCK_SKEW=${TTL.clockSkew} SESSION_TTL_ANONYMOUS=${TTL.anonymousSession} SESSION_TTL_AUTHENTICATED=${TTL.authenticatedSession}, LOG_LEVEL=warn, sample every ${settings.sampleSec} s\n\n`,
  );

  process.stderr.write('starting the scaled shape...\n');
  const shape = await startShape();
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await shape.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  const redis = new Redis(SERVICES.redis, { maxRetriesPerRequest: 1 });
  const db = new pg.Client({ connectionString: shape.databaseUrl });
  await db.connect();
  const names = Object.keys(shape.servers);
  const counts: LoadCounts = { requests: 0, sessionInits: 0, failures: 0, byStatus: new Map() };
  const samples: Sample[] = [];
  try {
    process.stdout.write('Per process: RSS MiB / heap used MiB / active handles.\n\n');
    process.stdout.write(`|  t s | requests | fails | nonces | sessions | families | ${names.join(' | ')} |\n`);
    process.stdout.write(`|-----:|--------:|------:|-------:|---------:|---------:|${names.map(() => '---').join('|')}|\n`);
    const started = Date.now();
    samples.push(await takeSample(shape, redis, db, 0, counts));
    printSample(samples[0] as Sample, names);
    const until = started + settings.seconds * 1000;
    const load = Promise.all(Array.from({ length: settings.connections }, (_, w) => clientLoop(shape, w, until, counts)));
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(settings.sampleSec * 1000, until - Date.now())));
      const sample = await takeSample(shape, redis, db, (Date.now() - started) / 1000, counts);
      samples.push(sample);
      printSample(sample, names);
    }
    await load;
  } finally {
    await db.end();
    redis.disconnect();
    await stopAll();
  }

  return report(settings, samples, names, counts);
}

/** A counter of the samples at time `t`, interpolated between the two samples around it. */
function countAt(samples: Sample[], t: number, field: 'requests' | 'sessionInits'): number {
  if (t <= 0) return 0;
  const after = samples.findIndex((s) => s.t >= t);
  if (after <= 0) return after === 0 ? (samples[0] as Sample)[field] : (samples.at(-1) as Sample)[field];
  const a = samples[after - 1] as Sample;
  const b = samples[after] as Sample;
  return a[field] + ((b[field] - a[field]) * (t - a.t)) / (b.t - a.t);
}

function report(settings: Settings, samples: Sample[], names: string[], counts: LoadCounts): number {
  const last = samples.at(-1) as Sample;
  const seconds = last.t;
  const rate = counts.requests / seconds;
  process.stdout.write(`\n${counts.requests} requests in ${fmt(seconds, 1)} s (${fmt(rate, 1)}/s), ${counts.failures} failed\n`);
  for (const [key, n] of [...counts.byStatus.entries()].sort()) process.stdout.write(`  ${key}: ${n}\n`);

  // Every request records one nonce for NONCE_TTL, every session init one session for
  // SESSION_TTL_ANONYMOUS: a bounded store holds about what was made in the last lifetime.
  const settled = samples.filter((s) => s.t >= TTL.nonce + settings.sampleSec);
  let bounded = true;
  if (settled.length > 0) {
    process.stdout.write(
      `\nRedis keys against what the lifetimes allow (made in the last ${TTL.nonce} s):\n\n` +
        '|  t s | nonce keys | nonces made | ratio | session keys | sessions made | ratio |\n' +
        '|-----:|-----------:|------------:|------:|-------------:|--------------:|------:|\n',
    );
    for (const s of settled) {
      const madeNonces = s.requests - countAt(samples, s.t - TTL.nonce, 'requests');
      const madeSessions = s.sessionInits - countAt(samples, s.t - TTL.anonymousSession, 'sessionInits');
      const nonceRatio = s.nonceKeys / Math.max(1, madeNonces);
      const sessionRatio = s.sessionKeys / Math.max(1, madeSessions);
      process.stdout.write(
        `| ${fmt(s.t).padStart(4)} | ${String(s.nonceKeys).padStart(10)} | ${fmt(madeNonces).padStart(11)} | ${fmt(nonceRatio, 2).padStart(5)} | ` +
          `${String(s.sessionKeys).padStart(12)} | ${fmt(madeSessions).padStart(13)} | ${fmt(sessionRatio, 2).padStart(5)} |\n`,
      );
      // A sample is taken over a few hundred milliseconds while keys come and go: allow 25 %.
      if (nonceRatio > 1.25 || sessionRatio > 1.25) bounded = false;
    }
  } else {
    process.stdout.write(`\nRun at least ${TTL.nonce + 2 * settings.sampleSec} s to see the stores settle.\n`);
  }

  // Heap use is a sawtooth (allocation, then GC): its lows show what stays; compare halves.
  process.stdout.write(
    '\nServer processes, first half against second half of the run (heap: lowest-highest used):\n\n' +
      '| process | RSS max MiB | heap MiB | active handles max |\n|---|---|---|---|\n',
  );
  const halves = [samples.filter((s) => s.t > 0 && s.t < seconds / 2), samples.filter((s) => s.t >= seconds / 2)];
  for (const name of names) {
    const [firstHalf, secondHalf] = halves.map((h) => h.map((s) => s.processes[name] as ProcessSample));
    const describe = (f: (p: ProcessSample) => number, half: ProcessSample[] | undefined, kind: 'max' | 'range'): string => {
      const values = (half ?? []).map(f);
      return kind === 'max' ? fmt(Math.max(...values)) : `${fmt(Math.min(...values), 1)}-${fmt(Math.max(...values), 1)}`;
    };
    process.stdout.write(
      `| ${name} | ${describe((p) => p.rssMiB, firstHalf, 'max')} → ${describe((p) => p.rssMiB, secondHalf, 'max')} | ` +
        `${describe((p) => p.heapMiB, firstHalf, 'range')} → ${describe((p) => p.heapMiB, secondHalf, 'range')} | ` +
        `${describe((p) => p.handles, firstHalf, 'max')} → ${describe((p) => p.handles, secondHalf, 'max')} |\n`,
    );
  }
  process.stdout.write(
    `\nDatabase rows at the end (they grow with every token issued, by design): ${last.families} token families, ${last.refreshTokens} refresh tokens\n`,
  );

  const failedShare = counts.failures / Math.max(1, counts.requests);
  const ok = failedShare === 0 && bounded;
  process.stdout.write(`\nVerdict: ${ok ? 'OK' : 'FAILED'} (failures ${counts.failures}, stores ${bounded ? 'bounded' : 'NOT bounded'})\n`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
