/**
 * The server commands: `serve` (one process), `identity` and `sidecar` (apart, over HTTP),
 * `migrate`; configuration errors reported one line per value, and a graceful stop.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { registerServerCommands } from '../../src/cli/serve.js';
import { WireClient, basicAuth, httpTransport } from '../helpers/wire-client.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'idsvc-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MODE: 'development',
    LOG_LEVEL: 'silent',
    SQLITE_PATH: join(dir, `${randomBytes(4).toString('hex')}.db`),
    MASTER_KEY: randomBytes(32).toString('base64'),
    INTERNAL_SECRET: randomBytes(32).toString('hex'),
    IDENTITY_PORT: '0',
    SIDECAR_PORT: '0',
    ...extra,
  };
}

/** Starting servers (scrypt hashing of the seeded clients, migrations) is slow on a busy machine. */
const SERVER_TIMEOUT = 45_000;

/** A command run in this process: its output, a way to stop it, and its completion. */
function run(args: string[], env: Record<string, string>) {
  let output = '';
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const program = new Command().exitOverride();
  registerServerCommands(program, { env, stdout: (text) => (output += text), stopSignal: () => stopped });
  const done = program.parseAsync(['node', 'idsvc', ...args]);
  const listening = async (pattern: RegExp): Promise<string> => {
    for (let i = 0; i < 1200 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 25));
    const match = pattern.exec(output);
    if (!match?.[1]) throw new Error(`no "${pattern}" in output: ${output}`);
    return match[1];
  };
  return { output: () => output, stop, done, listening };
}

describe('idsvc serve', () => {
  it('runs the identity API and the sidecar in one process until told to stop', async () => {
    const cmd = run(['serve'], baseEnv());
    const sidecarUrl = await cmd.listening(/sidecar listening on (\S+)/);
    const wire = new WireClient({ transport: httpTransport(sidecarUrl), clientId: 'dev-client' });
    expect((await wire.initSession()).status).toBe(200);
    cmd.stop('SIGTERM');
    await cmd.done;
    expect(cmd.output()).toContain('SIGTERM: closing');
    // Nothing listens any more: the connection is refused.
    await expect(fetch(sidecarUrl)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  }, SERVER_TIMEOUT);

  it('explains a port in use in one line', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await expect(run(['serve'], baseEnv({ SIDECAR_PORT: String(port) })).done).rejects.toThrow(
        new RegExp(`^port ${port} is already in use: stop the other process or set SIDECAR_PORT$`),
      );
    } finally {
      server.close();
    }
  });

  it('refuses bad configuration with one line per bad value', async () => {
    const cmd = run(['serve'], baseEnv({ SIDECAR_PORT: 'eighty', CLOCK_SKEW: '-5' }));
    const err = (await cmd.done.catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.some((p) => p.startsWith('SIDECAR_PORT'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('CLOCK_SKEW'))).toBe(true);
  });
});

describe('idsvc identity + idsvc sidecar --identity-url (apart)', () => {
  it('serve the journey over HTTP between the two processes\' parts', async () => {
    const env = baseEnv();
    const identity = run(['identity'], env);
    const identityUrl = await identity.listening(/identity API listening on (\S+)/);
    const sidecar = run(['sidecar', '--identity-url', identityUrl], env);
    const sidecarUrl = await sidecar.listening(/sidecar listening on (\S+),/);
    try {
      const wire = new WireClient({ transport: httpTransport(sidecarUrl), clientId: 'dev-client' });
      expect((await wire.initSession()).status).toBe(200);
      const issued = await wire.call(
        '/api/v1/token/issue',
        { audience: 'orders-api', scope: 'orders.read', subject: 'test-user', include_refresh_token: true },
        { authorization: basicAuth('dev-client', 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!') },
      );
      expect(issued.status).toBe(200);
      const token = (issued.json as { access_token: string }).access_token;
      // Authenticated session init: the bearer check goes over HTTP too.
      expect((await wire.initSession({ bearer: token, subject: 'test-user' })).status).toBe(200);
      const introspected = await wire.call('/api/v1/introspect', { token }, { authorization: `Bearer ${token}` });
      expect(introspected.json).toMatchObject({ active: true, sub: 'test-user' });
    } finally {
      sidecar.stop('SIGINT');
      identity.stop('SIGINT');
      await sidecar.done;
      await identity.done;
    }
  }, SERVER_TIMEOUT);

  it('the sidecar needs IDENTITY_URL and INTERNAL_SECRET', async () => {
    const env = baseEnv();
    delete env.INTERNAL_SECRET;
    const err = (await run(['sidecar'], env).done.catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => p.split(':')[0])).toEqual(['INTERNAL_SECRET', 'IDENTITY_URL']);
  });

  it('the identity API apart needs INTERNAL_SECRET', async () => {
    const env = baseEnv();
    delete env.INTERNAL_SECRET;
    await expect(run(['identity'], env).done).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses an --identity-url that is not an http URL', async () => {
    const err = (await run(['sidecar', '--identity-url', 'ftp://x'], baseEnv()).done.catch((e: unknown) => e)) as ConfigError;
    expect(err.problems).toEqual(['--identity-url: must be an http:// or https:// URL (got "ftp://x")']);
  });
});

describe('idsvc migrate', () => {
  it('brings the database to the latest schema and says which migrations ran', async () => {
    const env = baseEnv();
    const first = run(['migrate'], env);
    await first.done;
    expect((JSON.parse(first.output()) as { applied: string[] }).applied.length).toBeGreaterThan(0);
    const second = run(['migrate'], env);
    await second.done;
    expect(JSON.parse(second.output())).toEqual({ applied: [] });
  });
});

/** The real CLI in a child process. */
function spawnCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves once stdout matches `pattern`, or the process ends. */
  const printed = (pattern: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (pattern.test(stdout)) resolve();
      };
      child.stdout.on('data', check);
      child.on('exit', () => resolve());
      check();
    });
  return { child, exited, printed, stdout: () => stdout, stderr: () => stderr };
}

// A child process compiles the CLI from source first: slow on a busy machine.
const SPAWN_TIMEOUT = 60_000;

describe('the idsvc process', () => {
  it('prints each bad value and exits 1, without a stack trace', async () => {
    const cli = spawnCli(['serve'], baseEnv({ SIDECAR_PORT: 'eighty', REDIS_URL: 'http://nope' }));
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/SIDECAR_PORT: /);
    expect(cli.stderr()).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
  }, SPAWN_TIMEOUT);

  it('closes gracefully on SIGTERM and exits 0', async () => {
    const cli = spawnCli(['serve'], baseEnv());
    await cli.printed(/sidecar listening on/);
    expect(cli.stdout()).toMatch(/sidecar listening on http:\/\/127\.0\.0\.1:\d+/);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('SIGTERM: closing');
  }, SPAWN_TIMEOUT);
});
