/**
 * The `idsvc` command exactly as the README gives it: `npx idsvc ...` from the repository
 * root, as a process. After `npm ci` the workspace links the command into
 * node_modules/.bin; when the packages were never built, its first run builds them.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** A first run may build the packages: tens of seconds on a busy machine. */
const TIMEOUT_MS = 180_000;

const dataDir = mkdtempSync(join(tmpdir(), 'idsvc-command-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Production settings on a SQLite file of this test, nothing else from the environment of the test run. */
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  MODE: 'production',
  LOG_LEVEL: 'silent',
  SQLITE_PATH: join(dataDir, 'identity.db'),
  MASTER_KEY: randomBytes(32).toString('base64'),
  ADMIN_TOKEN: randomBytes(32).toString('hex'),
};

function npx(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npx idsvc from the repository root', () => {
  it('prints its help, naming every command', { timeout: TIMEOUT_MS }, async () => {
    const { code, stdout, stderr } = await npx(['idsvc', '--help']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Usage: idsvc /);
    for (const command of ['serve', 'identity', 'sidecar', 'migrate', 'clients', 'openapi']) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('creates and lists a client as the README shows, with JSON alone on stdout', { timeout: TIMEOUT_MS }, async () => {
    const created = await npx(['idsvc', 'clients', 'create', '--name', 'shop', '--auth-method', 'basic', '--scopes', 'orders.read', '--audiences', 'orders-api']);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(client).toMatchObject({ name: 'shop', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'], status: 'active' });
    expect(typeof client.client_secret).toBe('string');

    const listed = await npx(['idsvc', 'clients', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { clients: { client_id: string }[] }).clients.map((c) => c.client_id)).toEqual([client.client_id]);
  });

  it('fails with a one-line reason when production settings are missing', { timeout: TIMEOUT_MS }, async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', ['--no-install', 'idsvc', 'clients', 'list'], { cwd: ROOT, env: { PATH: env.PATH, HOME: env.HOME, SQLITE_PATH: env.SQLITE_PATH }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('close', (exit) => resolve({ code: exit, stderr: err }));
    });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/MASTER_KEY/);
  });
});
