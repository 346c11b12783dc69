/**
 * A Redis server of one test file, on a port of its own, that the test may kill and
 * restart: the machine's shared Redis is never touched. No persistence (`--save ""
 * --appendonly no`): a restart starts empty, as a crashed cache would. Killed when the test
 * process exits, whatever happened.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { inCi } from '../../helpers/db.js';
import { eventually, freePort } from './cli.js';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `true` when `redis-server` can be run; `false` with a visible message otherwise.
 * @throws under `CI=true`, where nothing may be skipped.
 */
export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const why = probe.error?.message ?? probe.stderr;
  if (inCi()) throw new Error(`redis-server cannot run under CI=true: ${why}`);
  console.warn(`\n*** SKIPPING the Redis fault tests: redis-server cannot run (${why}) ***\n`);
  return false;
}

/** A throwaway Redis server. */
export class ThrowawayRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  /** Start one on a free port and wait until it answers. */
  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start it (again) on its port, empty, and wait until it answers PING. */
  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.child = child;
    await eventually(() => this.answers(), 10_000, `redis-server on port ${this.port}`);
  }

  /** Kill it (SIGKILL, a crash): everything it held is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Whether it answers PING now. */
  async answers(): Promise<boolean> {
    const client = new Redis(this.url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /** A client of the test's own, for looking at the keys. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }
}
