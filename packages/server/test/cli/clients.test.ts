/** `idsvc clients create|list|show|update|rotate-secret|disable`: JSON output, straight on the database. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerClientCommands } from '../../src/cli/clients.js';
import { createIdentityApp } from '../../src/identity/app.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, basic, post, testConfig } from '../helpers/identity.js';

describe.each(await databaseTargets())('clients CLI on $kind', (target) => {
  const tdb = withDatabase(target, { migrate: false });

  /** Run one command line; returns what it printed (stdout parsed as JSON when possible). */
  const cli = async (args: string[], secretFromStdin?: string) => {
    const out: string[] = [];
    const help: string[] = [];
    const program = new Command('idsvc').exitOverride().configureOutput({ writeOut: (s) => void help.push(s), writeErr: (s) => void help.push(s) });
    const env = { ...tdb.env, MODE: 'production', MASTER_KEY: testConfig(tdb).masterKey!.toString('base64'), ADMIN_TOKEN: 'x'.repeat(40), LOG_LEVEL: 'silent' };
    registerClientCommands(program, { env, stdout: (s) => void out.push(s), stderr: () => undefined, readSecret: async () => secretFromStdin ?? '' });
    await program.parseAsync(args, { from: 'user' });
    const text = out.join('');
    return { json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, help: help.join('') };
  };
  /** A Basic client of the test's own, so that no test depends on another having run. */
  const createClient = async (id: string) => {
    const { json } = await cli(['clients', 'create', '--id', id, '--name', 'From the CLI', '--auth-method', 'basic', '--scopes', 'orders.read orders.write', '--audiences', 'orders-api']);
    expect(json).toMatchObject({ client_id: id });
  };

  it('creates a client (migrating a fresh database first) and prints its secret once, as JSON', async () => {
    const { json } = await cli(['clients', 'create', '--id', 'cli-client', '--name', 'From the CLI', '--auth-method', 'basic', '--scopes', 'orders.read orders.write', '--audiences', 'orders-api,billing-api']);
    expect(json).toMatchObject({ client_id: 'cli-client', name: 'From the CLI', auth_method: 'basic', scopes: ['orders.read', 'orders.write'], audiences: ['orders-api', 'billing-api'], status: 'active' });
    expect(json!.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('lists and shows clients without secrets', async () => {
    await createClient('cli-listed');
    const list = (await cli(['clients', 'list'])).json as { clients: Record<string, unknown>[] };
    expect(list.clients.map((c) => c.client_id)).toContain('cli-listed');
    for (const c of list.clients) expect(c).not.toHaveProperty('client_secret');
    const shown = (await cli(['clients', 'show', 'cli-listed'])).json;
    expect(shown).toMatchObject({ client_id: 'cli-listed', auth_method: 'basic' });
    expect(shown).not.toHaveProperty('client_secret');
  });

  it('updates scopes, audiences, name and status', async () => {
    await createClient('cli-updated');
    const { json } = await cli(['clients', 'update', 'cli-updated', '--scopes', 'orders.read', '--audiences', 'orders-api', '--name', 'Renamed']);
    expect(json).toMatchObject({ scopes: ['orders.read'], audiences: ['orders-api'], name: 'Renamed', status: 'active' });
  });

  it('rotates the secret (generated, or read from stdin) and the server accepts only the new one', async () => {
    await createClient('cli-rotated');
    const rotated = (await cli(['clients', 'rotate-secret', 'cli-rotated'])).json as { client_secret: string };
    expect(rotated.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const supplied = 'secret-from-standard-input-0123456789abcdef';
    const fromStdin = (await cli(['clients', 'rotate-secret', 'cli-rotated', '--secret-stdin'], supplied)).json;
    expect(fromStdin).toMatchObject({ client_secret: supplied });
    const app = await createIdentityApp({ config: testConfig(tdb), db: tdb.db, logger: false });
    try {
      expect((await post(app, '/api/v1/token/issue', { authorization: basic('cli-rotated', rotated.client_secret) }, ISSUE_BODY)).statusCode).toBe(401);
      expect((await post(app, '/api/v1/token/issue', { authorization: basic('cli-rotated', supplied) }, ISSUE_BODY)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('creates an HMAC client with a secret from stdin', async () => {
    const secret = 'hmac-secret-from-stdin-0123456789abcdefgh';
    const { json } = await cli(['clients', 'create', '--id', 'cli-hmac', '--name', 'HMAC', '--auth-method', 'hmac', '--scopes', 'orders.read', '--audiences', 'orders-api', '--secret-stdin'], secret);
    expect(json).toMatchObject({ client_id: 'cli-hmac', auth_method: 'hmac', client_secret: secret });
  });

  it('disables a client', async () => {
    await createClient('cli-disabled');
    const { json } = await cli(['clients', 'disable', 'cli-disabled']);
    expect(json).toMatchObject({ client_id: 'cli-disabled', status: 'disabled' });
  });

  it('sets a refresh grace window on create and update, and "default" returns to the server setting', async () => {
    const created = (await cli(['clients', 'create', '--id', 'cli-graced', '--name', 'Graced', '--auth-method', 'basic', '--scopes', 'a', '--audiences', 'b', '--refresh-grace', '20'])).json;
    expect(created).toMatchObject({ client_id: 'cli-graced', refresh_grace_seconds: 20 });
    expect((await cli(['clients', 'update', 'cli-graced', '--refresh-grace', '0'])).json).toMatchObject({ refresh_grace_seconds: 0 });
    expect((await cli(['clients', 'update', 'cli-graced', '--refresh-grace', 'default'])).json).toMatchObject({ refresh_grace_seconds: null });
    await expect(cli(['clients', 'update', 'cli-graced', '--refresh-grace', 'soon'])).rejects.toBeInstanceOf(CommanderError);
    await expect(cli(['clients', 'update', 'cli-graced', '--refresh-grace', '601'])).rejects.toThrow(/refresh_grace_seconds must be an integer from 0 to 600/);
  });

  it('fails with a clear message for an unknown client, a duplicate id and bad values', async () => {
    await createClient('cli-taken');
    await expect(cli(['clients', 'show', 'nobody'])).rejects.toThrow(/not_found: No client with id "nobody"/);
    await expect(cli(['clients', 'create', '--id', 'cli-taken', '--name', 'x', '--auth-method', 'hmac', '--scopes', 'a', '--audiences', 'b'])).rejects.toThrow(/already exists/);
    await expect(cli(['clients', 'create', '--name', 'x', '--auth-method', 'ldap', '--scopes', 'a', '--audiences', 'b'])).rejects.toBeInstanceOf(CommanderError);
    await expect(cli(['clients', 'update', 'cli-taken'])).rejects.toThrow(/nothing to update/);
    await expect(cli(['clients', 'update', 'cli-taken', '--status', 'gone'])).rejects.toBeInstanceOf(CommanderError);
  });

  it('documents every subcommand in --help', async () => {
    const err = await cli(['clients', '--help']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).code).toBe('commander.helpDisplayed');
    const out: string[] = [];
    const program = new Command('idsvc').exitOverride().configureOutput({ writeOut: (s) => void out.push(s) });
    registerClientCommands(program, { env: {} });
    await program.parseAsync(['clients', '--help'], { from: 'user' }).catch(() => undefined);
    for (const sub of ['create', 'list', 'show', 'update', 'rotate-secret', 'disable']) expect(out.join('')).toContain(sub);
  });
});

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Run the real `idsvc` entry point in a child process (in `cwd`, where no .env lies). */
function idsvc(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// The real entry point, once: its wiring of these commands. What the commands do is
// tested above, in process, on both databases.
describe('the idsvc binary', () => {
  it('prints help for `clients` and its subcommands', { timeout: 60_000 }, async () => {
    const cwd = fileURLToPath(new URL('.', import.meta.url));
    const help = await idsvc(['clients', '--help'], {}, cwd);
    expect(help.code).toBe(0);
    for (const sub of ['create', 'list', 'show', 'update', 'rotate-secret', 'disable']) expect(help.stdout).toContain(sub);
    const createHelp = await idsvc(['clients', 'create', '--help'], {}, cwd);
    expect(createHelp.stdout).toContain('--auth-method');
    // The help names the variables the commands read: the admin token is not one of them.
    expect(help.stdout).toContain('MASTER_KEY');
    expect(help.stdout).not.toContain('ADMIN_TOKEN');
  });

  it('lists clients in production mode without ADMIN_TOKEN, which it never uses, but not without MASTER_KEY', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idsvc-clients-'));
    try {
      const env = { MODE: 'production', SQLITE_PATH: join(dir, 'identity.db') };
      const refused = await idsvc(['clients', 'list'], env, dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('error: invalid configuration:\n  - MASTER_KEY: required in production mode\n');
      const listed = await idsvc(['clients', 'list'], { ...env, MASTER_KEY: randomBytes(32).toString('base64') }, dir);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual({ clients: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
