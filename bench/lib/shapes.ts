/**
 * What a run measures, each started as child processes through the product's own CLI
 * (`packages/server/src/cli/main.ts`) or a bench server, and torn down afterwards:
 *
 * - embedded: `idsvc serve`, one process: identity API + sidecar, SQLite file, memory
 *   stores, the sidecar forwarding in process (`inject`);
 * - scaled: `idsvc identity` and `idsvc sidecar`, two processes: PostgreSQL (a database
 *   created for the run and dropped after), Redis (a key prefix of the run, deleted after),
 *   the sidecar forwarding over HTTP;
 * - ceiling: `bench/servers/ceiling.ts`, the crypto alone;
 * - peer: `bench/servers/peer.ts`, node-oidc-provider.
 *
 * The client of the run is registered with `idsvc clients create`, as an operator would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { REPO_ROOT, runToEnd, startChild, type Child } from './processes.js';
import { postgresMeter, redisMeter, type ServiceMeter } from './services.js';

/** The client every scenario acts as. */
export interface BenchClient {
  id: string;
  secret: string;
  scope: string;
  audience: string;
}

/** A running shape of the stack. */
export interface StackShape {
  kind: 'embedded' | 'scaled';
  sidecarUrl: string;
  identityUrl: string;
  client: BenchClient;
  /** Store and process layout, for the report. */
  description: string;
  /** The server processes, charged with the CPU time of a run. */
  pids: number[];
  /** Bytes the server processes allocated on their V8 heaps so far. */
  allocatedBytes(): Promise<number | undefined>;
  /** The services under the servers, charged beside them (scaled shape). */
  services?: ServiceMeter[];
  stop(): Promise<void>;
}

/** A running bench server (ceiling or peer). */
export interface BaselineServer {
  url: string;
  pids: number[];
  allocatedBytes(): Promise<number | undefined>;
  services?: undefined;
  stop(): Promise<void>;
}

/** Where the services of the scaled shape are; overridable for other machines. */
export const SERVICES = {
  postgresAdminUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const CLI = join(REPO_ROOT, 'packages/server/src/cli/main.ts');
const CEILING = fileURLToPath(new URL('../servers/ceiling.ts', import.meta.url));
const PEER = fileURLToPath(new URL('../servers/peer.ts', import.meta.url));

/** Options shared by every start function. */
export interface StartOptions {
  /** Write CPU profiles of the server processes into this folder. */
  cpuProfileDir?: string;
  /** Write sampled allocation profiles of the server processes into this folder. */
  allocProfileDir?: string;
}

/** Where a child writes its profiles: a folder of its own under the run's. */
function profileDir(options: StartOptions, name: string): { cpuProfileDir?: string; allocProfileDir?: string } {
  return {
    ...(options.cpuProfileDir !== undefined ? { cpuProfileDir: join(options.cpuProfileDir, name) } : {}),
    ...(options.allocProfileDir !== undefined ? { allocProfileDir: join(options.allocProfileDir, name) } : {}),
  };
}

const SCOPE = 'orders.read orders.write';
const AUDIENCE = 'orders-api';

/** Settings common to both shapes: production mode, logging at warn. */
function baseEnv(): Record<string, string> {
  return {
    MODE: 'production',
    LOG_LEVEL: 'warn',
    MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN: randomBytes(32).toString('hex'),
    IDENTITY_HOST: '127.0.0.1',
    IDENTITY_PORT: '0',
    SIDECAR_HOST: '127.0.0.1',
    SIDECAR_PORT: '0',
  };
}

/** Register the bench client with `idsvc clients create` on the database `env` names. */
async function registerClient(env: Record<string, string>, cwd: string): Promise<BenchClient> {
  const client: BenchClient = { id: 'bench-client', secret: randomBytes(32).toString('base64url'), scope: SCOPE, audience: AUDIENCE };
  await runToEnd(
    {
      name: 'idsvc clients create',
      script: CLI,
      args: ['clients', 'create', '--name', 'Benchmark client', '--id', client.id, '--auth-method', 'basic', '--scopes', SCOPE, '--audiences', AUDIENCE, '--secret-stdin'],
      env,
      cwd,
    },
    client.secret,
  );
  return client;
}

function pidsOf(child: Child): number[] {
  return child.process.pid !== undefined ? [child.process.pid] : [];
}

/** The heap allocation of several children together, `undefined` if any does not answer. */
function allocatedByAll(children: Child[]): () => Promise<number | undefined> {
  return async () => {
    const each = await Promise.all(children.map((c) => c.allocatedBytes()));
    return each.some((b) => b === undefined) ? undefined : each.reduce<number>((a, b) => a + (b as number), 0);
  };
}

function listening(pattern: RegExp, names: string[]): (out: string) => Record<string, string> | undefined {
  return (out) => {
    const match = pattern.exec(out);
    if (match === null) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, match[i + 1] as string]));
  };
}

/** `idsvc serve` on a fresh SQLite file, memory stores. */
export async function startEmbedded(options: StartOptions = {}): Promise<StackShape> {
  const dir = await mkdtemp(join(tmpdir(), 'idsvc-bench-'));
  const env = { ...baseEnv(), SQLITE_PATH: join(dir, 'identity.db') };
  try {
    const client = await registerClient(env, dir);
    const child = await startChild({
      name: 'idsvc serve (embedded)',
      script: CLI,
      args: ['serve'],
      env,
      cwd: dir,
      ready: listening(/identity API listening on (\S+)\s+sidecar listening on (\S+)/, ['identityUrl', 'sidecarUrl']),
      ...profileDir(options, 'embedded'),
    });
    return {
      kind: 'embedded',
      identityUrl: child.info.identityUrl as string,
      sidecarUrl: child.info.sidecarUrl as string,
      client,
      description: 'one process (`idsvc serve`): identity API + sidecar, SQLite (WAL), memory session and nonce stores, in-process forwarding',
      pids: pidsOf(child),
      allocatedBytes: child.allocatedBytes,
      stop: async () => {
        await child.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Why the scaled shape cannot run here, or `undefined` when PostgreSQL and Redis answer. */
export async function scaledUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: SERVICES.postgresAdminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    return `PostgreSQL at ${SERVICES.postgresAdminUrl} does not answer (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(SERVICES.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    return `Redis at ${SERVICES.redisUrl} does not answer (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    redis.disconnect();
  }
  return undefined;
}

/** `idsvc identity` and `idsvc sidecar` as two processes on PostgreSQL and Redis. */
export async function startScaled(options: StartOptions = {}): Promise<StackShape> {
  const suffix = randomBytes(6).toString('hex');
  const database = `bench_${suffix}`;
  const keyPrefix = `idsvc-bench-${suffix}:`;
  const adminUrl = new URL(SERVICES.postgresAdminUrl);
  const databaseUrl = new URL(SERVICES.postgresAdminUrl);
  databaseUrl.pathname = `/${database}`;
  const dir = await mkdtemp(join(tmpdir(), 'idsvc-bench-'));
  const children: Child[] = [];

  const admin = new pg.Client({ connectionString: adminUrl.href });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const services = [postgresMeter(adminUrl.href, database), redisMeter(SERVICES.redisUrl)];
  const teardown = async (): Promise<void> => {
    for (const service of services) await service.close();
    for (const child of children.reverse()) await child.stop();
    await dropDatabase(adminUrl.href, database);
    await deleteKeys(SERVICES.redisUrl, keyPrefix);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const env = {
      ...baseEnv(),
      DATABASE_URL: databaseUrl.href,
      INTERNAL_SECRET: randomBytes(32).toString('hex'),
    };
    await runToEnd({ name: 'idsvc migrate', script: CLI, args: ['migrate'], env, cwd: dir });
    const client = await registerClient(env, dir);
    const identity = await startChild({
      name: 'idsvc identity (scaled)',
      script: CLI,
      args: ['identity'],
      env,
      cwd: dir,
      ready: listening(/identity API listening on (\S+)/, ['url']),
      ...profileDir(options, 'scaled-identity'),
    });
    children.push(identity);
    const identityUrl = identity.info.url as string;
    const sidecar = await startChild({
      name: 'idsvc sidecar (scaled)',
      script: CLI,
      args: ['sidecar'],
      env: { ...env, IDENTITY_URL: identityUrl, REDIS_URL: SERVICES.redisUrl, REDIS_KEY_PREFIX: keyPrefix },
      cwd: dir,
      ready: listening(/sidecar listening on (\S+?),/, ['url']),
      ...profileDir(options, 'scaled-sidecar'),
    });
    children.push(sidecar);
    return {
      kind: 'scaled',
      identityUrl,
      sidecarUrl: sidecar.info.url as string,
      client,
      description:
        'two processes (`idsvc identity`, `idsvc sidecar`): PostgreSQL (pool of 10), Redis session and nonce stores, forwarding over HTTP (undici pool)',
      pids: [...pidsOf(identity), ...pidsOf(sidecar)],
      allocatedBytes: allocatedByAll([identity, sidecar]),
      services,
      stop: teardown,
    };
  } catch (err) {
    await teardown().catch(() => undefined);
    throw err;
  }
}

async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${database} with (force)`);
  } finally {
    await admin.end();
  }
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The bare crypto routes, with `key` as the envelope key. */
export async function startCeiling(key: Uint8Array, options: StartOptions = {}): Promise<BaselineServer> {
  const child = await startChild({
    name: 'ceiling server',
    script: CEILING,
    env: { BENCH_CEILING_KEY: Buffer.from(key).toString('hex') },
    cwd: REPO_ROOT,
    ready: listening(/^READY (\S+)$/m, ['url']),
    ...profileDir(options, 'ceiling'),
  });
  return { url: child.info.url as string, pids: pidsOf(child), allocatedBytes: child.allocatedBytes, stop: child.stop };
}

/** node-oidc-provider with one client of id `client.id` and secret `client.secret`. */
export async function startPeer(client: { id: string; secret: string }, options: StartOptions = {}): Promise<BaselineServer> {
  const child = await startChild({
    name: 'peer server (node-oidc-provider)',
    script: PEER,
    env: { BENCH_PEER_CLIENT_ID: client.id, BENCH_PEER_CLIENT_SECRET: client.secret },
    cwd: REPO_ROOT,
    ready: listening(/^READY (\S+)$/m, ['url']),
    ...profileDir(options, 'peer'),
  });
  return { url: child.info.url as string, pids: pidsOf(child), allocatedBytes: child.allocatedBytes, stop: child.stop };
}
