/**
 * Identity API throughput over HTTP (plaintext routes, no sidecar), with autocannon:
 *
 * - token issue with HTTP Basic (the bar: at least 1,000 issues per second). After the
 *   first request the scrypt check is served from the verified-credentials cache, so each
 *   issue costs one client lookup, one ES256 signature and one row (the token family;
 *   access tokens are not stored);
 * - token issue with a refresh token too (one more row, in one transaction with the family);
 * - token issue with an HMAC signature (decrypt the secret, check the signature);
 * - introspection of an access token with that same token as the bearer (its signature
 *   check, served from the verified-token cache after the first, and one revocation lookup;
 *   the introspected token is answered from the bearer's check).
 *
 * The identity API runs in a child process (this file with `--serve`) on SQLite in a
 * temporary folder, so the load generator does not share its thread. Each route runs for
 * a fixed time, several rounds, and the median round is kept.
 *
 * Run it on its own: `npx tsx bench/suites/identity.ts [--quick]` (results also go to
 * bench/results/identity.json). It exports `name` and `run(opts)`, the suite contract of
 * bench/lib/types.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeIdempotencyKey, signSync } from '@idsvc/protocol';
import { describeMachine, machine } from '../lib/machine.js';
import { formatOps, printTable } from '../lib/measure.js';
import { REPO_ROOT, startChild, type Child } from '../lib/processes.js';
import { autocannon } from '../lib/load.js';
import type { BenchOptions } from '../lib/types.js';

export const name = 'identity';

const CONNECTIONS = 16;
/** The bar of the issue: Basic token issues per second on SQLite. */
const ISSUE_TARGET = 1000;
const ISSUE_BODY = JSON.stringify({ audience: 'orders-api', scope: 'orders.read orders.write', subject: 'bench-user', custom_claims: { roles: 'admin', tenant: 'bench' } });
const ISSUE_WITH_REFRESH = JSON.stringify({ audience: 'orders-api', scope: 'orders.read', subject: 'bench-user', include_refresh_token: true });

// ─── the server (child process) ─────────────────────────────────────────────────────

/** Start the identity API on SQLite with a Basic and an HMAC client; print READY with what the load needs. */
async function serve(): Promise<void> {
  const { createIdentityApp, identityServicesOf } = await import('@idsvc/server/identity');
  const { loadConfig } = await import('@idsvc/server');
  const dir = mkdtempSync(join(tmpdir(), 'idsvc-bench-identity-'));
  const config = loadConfig({
    MODE: 'production',
    LOG_LEVEL: 'warn',
    SQLITE_PATH: join(dir, 'identity.db'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN: randomBytes(32).toString('hex'),
  });
  // Signed issue is accepted only as a sidecar forwards it, with the internal secret.
  const internalSecret = randomBytes(32).toString('hex');
  const app = await createIdentityApp({ config, internalSecret });
  const { admin } = identityServicesOf(app);
  const basic = await admin.create({ clientId: 'bench-basic', name: 'bench', authMethod: 'basic', scopes: ['orders.read', 'orders.write'], audiences: ['orders-api'] });
  const hmac = await admin.create({ clientId: 'bench-hmac', name: 'bench', authMethod: 'hmac', scopes: ['orders.read'], audiences: ['orders-api'] });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`READY ${JSON.stringify({ url, basicSecret: basic.client_secret, hmacSecret: hmac.client_secret, internalSecret })}\n`);
  process.once('SIGTERM', () => {
    void app.close().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

// ─── the load (this process) ────────────────────────────────────────────────────────


/** One figure. */
interface Run {
  name: string;
  reqPerSec: number;
  meanMs: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** POST the same request for `durationSec` seconds over CONNECTIONS connections. */
async function cannon(label: string, url: string, headers: Record<string, string>, body: string, durationSec: number): Promise<Run> {
  const result = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: durationSec, headers: { 'content-type': 'application/json', ...headers }, body });
  return {
    name: label,
    reqPerSec: result.requests.average,
    meanMs: result.latency.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec)[Math.floor(runs.length / 2)]!;
}

/** One request, checked: the load must measure successes, not errors. */
async function postOnce(url: string, headers: Record<string, string>, body: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

export async function run(opts: BenchOptions): Promise<unknown> {
  const durationSec = opts.quick ? 2 : 5;
  const rounds = opts.quick ? 1 : 3;
  const script = fileURLToPath(import.meta.url);
  const child: Child = await startChild({
    name: 'identity API',
    script,
    args: ['--serve'],
    cwd: REPO_ROOT,
    ready: (out) => {
      const line = /^READY (.+)$/m.exec(out);
      return line?.[1] ? (JSON.parse(line[1]) as Record<string, string>) : undefined;
    },
  });
  try {
    const { url, basicSecret, hmacSecret, internalSecret } = child.info as { url: string; basicSecret: string; hmacSecret: string; internalSecret: string };
    const basic = { authorization: `Basic ${Buffer.from(`bench-basic:${basicSecret}`).toString('base64')}` };
    const issueUrl = `${url}/api/v1/token/issue`;
    const { access_token: token } = (await postOnce(issueUrl, basic, ISSUE_BODY)) as { access_token: string };
    const introspectBody = JSON.stringify({ token, token_type_hint: 'access_token' });
    const bearer = { authorization: `Bearer ${token}` };
    // One signed request, valid for the whole run, as a sidecar forwards it (the identity API
    // checks the clock window; replayed nonces are the sidecar's to refuse).
    const signedKey = makeIdempotencyKey();
    const [timestamp, nonce] = [signedKey.slice(0, signedKey.indexOf('.')), signedKey.slice(signedKey.indexOf('.') + 1)];
    const signed = { 'x-idsvc-internal-auth': internalSecret, 'x-clientid': 'bench-hmac', 'x-idempotency-key': signedKey, 'x-signature': signSync({ secret: hmacSecret, timestamp, nonce, body: ISSUE_WITH_REFRESH }) };
    await postOnce(issueUrl, signed, ISSUE_WITH_REFRESH);
    await postOnce(`${url}/api/v1/introspect`, bearer, introspectBody);

    // Warm-up: JIT, the SQLite page cache, the verified-credentials cache.
    await cannon('warm-up', issueUrl, basic, ISSUE_BODY, 1);
    await cannon('warm-up', `${url}/api/v1/introspect`, bearer, introspectBody, 1);

    const runs: Record<'issue' | 'issueRefresh' | 'issueHmac' | 'introspect', Run[]> = { issue: [], issueRefresh: [], issueHmac: [], introspect: [] };
    for (let round = 0; round < rounds; round++) {
      runs.issue.push(await cannon('token issue, Basic', issueUrl, basic, ISSUE_BODY, durationSec));
      runs.issueRefresh.push(await cannon('token issue, Basic + refresh token', issueUrl, basic, ISSUE_WITH_REFRESH, durationSec));
      runs.issueHmac.push(await cannon('token issue, HMAC + refresh token', issueUrl, signed, ISSUE_WITH_REFRESH, durationSec));
      runs.introspect.push(await cannon('introspection, Bearer', `${url}/api/v1/introspect`, bearer, introspectBody, durationSec));
    }
    const figures = { issue: median(runs.issue), issueRefresh: median(runs.issueRefresh), issueHmac: median(runs.issueHmac), introspect: median(runs.introspect) };

    console.log(`Identity API alone: SQLite (WAL, synchronous=NORMAL) in a temporary folder, LOG_LEVEL=warn, server in a child process;`);
    console.log(`autocannon ${CONNECTIONS} connections, ${durationSec} s per run, median of ${rounds} round(s)`);
    printTable(
      'HTTP throughput',
      ['route', 'req/s', 'mean ms', 'p99 ms', 'non-2xx', 'errors'],
      Object.values(figures).map((r) => [r.name, formatOps(r.reqPerSec), r.meanMs.toFixed(2), String(r.p99Ms), String(r.non2xx), String(r.errors)]),
    );
    const met = figures.issue.reqPerSec >= ISSUE_TARGET;
    console.log(`\ntoken issue with Basic: ${formatOps(figures.issue.reqPerSec)} req/s (target >= ${ISSUE_TARGET}): ${met ? 'met' : 'NOT MET'}`);
    for (const r of Object.values(figures)) {
      if (r.non2xx > 0 || r.errors > 0) console.log(`WARNING: ${r.name} had ${r.non2xx} non-2xx answers and ${r.errors} errors`);
    }
    return {
      settings: { connections: CONNECTIONS, durationSec, rounds, database: 'sqlite', logLevel: 'warn' },
      figures,
      targets: { issueBasicReqPerSec: ISSUE_TARGET },
      met: { issueBasic: met },
    };
  } finally {
    await child.stop();
  }
}

/** Run as a program: the suite alone, its machine and settings printed first, results saved. */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const opts: BenchOptions = quick ? { quick, timeMs: 300, rounds: 1, warmupMs: 50 } : { quick, timeMs: 3000, rounds: 3, warmupMs: 100 };
  const host = machine();
  console.log(describeMachine(host));
  const results = await run(opts);
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ suite: name, date: new Date().toISOString(), machine: host, options: opts, results }, null, 2)}\n`);
  console.log(`\nwritten: bench/results/${name}.json`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  (process.argv.includes('--serve') ? serve() : main()).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
