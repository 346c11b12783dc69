/**
 * A PostgreSQL cluster of one test file, made with `initdb` in a temporary folder and run
 * with `pg_ctl` on a port of its own, that the test may crash and restart: the machine's
 * shared PostgreSQL is never touched. Its data lives on disk in the folder, so a restart
 * keeps what was committed, as a real one does. Stopped and deleted when the test process
 * exits, whatever happened.
 *
 * initdb refuses to run as root, so as root the binaries run as the `postgres` user, in a
 * folder that user owns; the unix socket goes into the same folder.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inCi } from '../../helpers/db.js';
import { freePort } from './cli.js';

const run = promisify(execFile);

/** The folder holding initdb and pg_ctl: `pg_config --bindir`, else the newest `/usr/lib/postgresql/<v>/bin`. */
function binDir(): string | undefined {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = fromConfig.status === 0 ? [fromConfig.stdout.trim()] : [];
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join('/usr/lib/postgresql', v, 'bin')));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

const asRoot = process.getuid?.() === 0;

/** The command line that runs `binary` as the right user. */
function command(bin: string, binary: string, args: string[]): [string, string[]] {
  const path = join(bin, binary);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

/**
 * `true` when a throwaway cluster can be made here; `false` with a visible message otherwise.
 * @throws under `CI=true`, where nothing may be skipped.
 */
export function throwawayPostgresAvailable(): boolean {
  let why: string | undefined;
  if (binDir() === undefined) why = 'no initdb/pg_ctl found (pg_config --bindir, /usr/lib/postgresql/*/bin)';
  else if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) why = 'running as root without a postgres user to run initdb as';
  if (why === undefined) return true;
  if (inCi()) throw new Error(`a throwaway PostgreSQL cannot be made under CI=true: ${why}`);
  console.warn(`\n*** SKIPPING the PostgreSQL fault tests: ${why} ***\n`);
  return false;
}

const clusters = new Set<ThrowawayPostgres>();
process.once('exit', () => {
  for (const cluster of clusters) cluster.destroySync();
});

/** A throwaway PostgreSQL cluster. */
export class ThrowawayPostgres {
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  /** initdb in a fresh folder, then start it. */
  static async create(): Promise<ThrowawayPostgres> {
    const bin = binDir();
    if (bin === undefined) throw new Error('no initdb/pg_ctl found');
    const dir = mkdtempSync(join(tmpdir(), 'idsvc-pg-'));
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    const cluster = new ThrowawayPostgres(bin, dir, await freePort());
    clusters.add(cluster);
    const [cmd, args] = command(bin, 'initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    await run(cmd, args);
    await cluster.start();
    return cluster;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Start the server and wait until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    const [cmd, args] = command(this.bin, 'pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start']);
    await run(cmd, args);
  }

  /**
   * Stop the server. `immediate` is a crash: every connection is cut, transactions in
   * flight are lost, and the next start recovers from the write-ahead log. `fast` is an
   * orderly stop that still cuts every connection.
   */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    const [cmd, args] = command(this.bin, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
    await run(cmd, args);
  }

  /** Stop it and delete its folder. */
  async destroy(): Promise<void> {
    this.destroySync();
  }

  /** For exit hooks, where nothing asynchronous runs any more. */
  destroySync(): void {
    if (!clusters.delete(this)) return;
    const [cmd, args] = command(this.bin, 'pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(cmd, args, { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
