/**
 * CPU time of the services the scaled shape stands on, so the report can put PostgreSQL's
 * and Redis's cost per request beside the stack's own:
 *
 * - PostgreSQL: the backends serving the run's database (`pg_stat_activity.datname`),
 *   read from `/proc/<pid>/stat`, so only on a local server under Linux. Background
 *   processes (WAL writer, checkpointer) serve every database and are left out; so is a
 *   backend that ends during a run (the pool keeps its connections while busy).
 * - Redis: `INFO cpu` (main thread and children, user + system), which covers the whole
 *   server: only meaningful when the run is its only client.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { processCpuMs } from './cpu.js';

/** Reads a service's CPU milliseconds so far; `undefined` when it cannot. */
export interface ServiceMeter {
  name: string;
  /** A reading; subtract two of them to charge a run. */
  read(): Promise<ServiceReading | undefined>;
  close(): Promise<void>;
}

/** CPU milliseconds of a service at one moment, by process (or a single entry). */
export type ServiceReading = Map<string, number>;

/**
 * CPU milliseconds between two readings. A process only in `after` started during the run:
 * all its time counts; one only in `before` ended during it and cannot be charged.
 */
export function cpuBetween(before: ServiceReading, after: ServiceReading): number {
  let total = 0;
  for (const [key, ms] of after) total += ms - (before.get(key) ?? 0);
  return total;
}

/** The backends of `database` on the PostgreSQL server at `adminUrl`. */
export function postgresMeter(adminUrl: string, database: string): ServiceMeter {
  const client = new pg.Client({ connectionString: adminUrl });
  let connected: Promise<void> | undefined;
  return {
    name: 'PostgreSQL',
    async read() {
      try {
        connected ??= client.connect().then(() => undefined);
        await connected;
        const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
        const reading: ServiceReading = new Map();
        for (const { pid } of rows) {
          const ms = processCpuMs(pid);
          if (ms === undefined) return undefined;
          reading.set(String(pid), ms);
        }
        return reading;
      } catch {
        return undefined;
      }
    },
    close: async () => {
      if (connected !== undefined) await client.end().catch(() => undefined);
    },
  };
}

/** The Redis server at `url`, by `INFO cpu`. */
export function redisMeter(url: string): ServiceMeter {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return {
    name: 'Redis',
    async read() {
      try {
        if (redis.status === 'wait') await redis.connect();
        const info = await redis.info('cpu');
        const field = (name: string, fallback: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? fallback);
        const seconds = field('used_cpu_user', 'NaN') + field('used_cpu_sys', 'NaN') + field('used_cpu_user_children', '0') + field('used_cpu_sys_children', '0');
        return Number.isFinite(seconds) ? new Map([['redis', seconds * 1000]]) : undefined;
      } catch {
        return undefined;
      }
    },
    close: async () => {
      redis.disconnect();
    },
  };
}
