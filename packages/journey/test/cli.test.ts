import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../client/test/support/stack.js';

// The CLI runs as its own process, from source through tsx; workspace packages resolve to
// their sources (fixtures/tsconfig.source.json), so no build is needed.
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('./fixtures/tsconfig.source.json', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ESC = '\u001b[';

let stack: TestStack;
let workDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  // An empty working directory: no .env is picked up, and ./data of the local stack lands here.
  workDir = mkdtempSync(join(tmpdir(), 'idsvc-cli-'));
});

afterAll(async () => {
  await stack?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `main.ts` with a clean environment plus `env`. */
function run(args: string[], env: Record<string, string>): Promise<Run> {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? workDir,
    TSX_TSCONFIG_PATH: TSCONFIG,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, MAIN, ...args],
      { cwd: workDir, env: { ...base, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const okLines = (text: string): string[] => text.split('\n').filter((l) => /^\[[1-6]\/6\] .* OK /.test(l));

// Each case spawns Node with tsx: generous timeouts for a loaded two-core machine.
describe('the terminal journey', { timeout: 60_000 }, () => {
  it('runs the six steps and verify against SIDECAR_URL, one OK line each, exit 0, no colour when piped', async () => {
    const result = await run(['--cli'], { SIDECAR_URL: stack.sidecarUrl });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(okLines(result.stdout)).toHaveLength(6);
    // Verify comes last, and its answer is the refusal.
    expect(result.stdout).toMatch(/^Verify: the family is dead +OK .*(\n {6}.*)*\n {6}opened +\{"error":"invalid_token"/m);
    expect(result.stdout).toContain('6 of 6 steps passed, verify passed');
    expect(result.stdout).not.toContain(ESC);
    expect(result.stdout).not.toContain('DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!');
  });

  it('colours its output with FORCE_COLOR, and NO_COLOR always wins', async () => {
    // One after the other: both issue with single_session for the same subject, and a
    // second issue revokes the first family (that is what single_session means).
    const coloured = await run(['--cli'], { SIDECAR_URL: stack.sidecarUrl, FORCE_COLOR: '1' });
    const plain = await run(['--cli'], { SIDECAR_URL: stack.sidecarUrl, FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain(`${ESC}32m`);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain(ESC);
    expect(okLines(plain.stdout)).toHaveLength(6);
  });

  it('--json prints one parseable document', async () => {
    const result = await run(['--cli', '--json'], { SIDECAR_URL: stack.sidecarUrl, AUTH_METHOD: 'hmac' });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as { ok: boolean; passed: number; clientId: string; steps: { step: number; success: boolean }[] };
    expect(doc).toMatchObject({ ok: true, passed: 6, total: 6, clientId: 'external-partner-test', authMethod: 'hmac' });
    expect(doc.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(doc.steps.every((s) => s.success)).toBe(true);
    expect(doc).toMatchObject({ verify: { step: 'verify', name: 'Verify: the family is dead', success: true, status: 401 } });
  });

  it('exits non-zero with a wrong secret, naming the error and the fix', async () => {
    const result = await run(['--cli'], { SIDECAR_URL: stack.sidecarUrl, CLIENT_SECRET: 'wrong-secret' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\[2\/6\] .* FAIL/);
    expect(result.stdout).toContain('401 invalid_client');
    expect(result.stdout).toContain('Check CLIENT_ID and CLIENT_SECRET');
    expect(result.stdout).toMatch(/\[3\/6\] .* SKIP/);
    expect(result.stdout).toMatch(/^Verify: the family is dead +SKIP +Run step 6 first/m);
    expect(result.stdout).toContain('1 of 6 steps passed, verify skipped');
  });

  it('exits non-zero when the sidecar cannot be reached, saying how to fix it', async () => {
    const result = await run(['--cli'], { SIDECAR_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Cannot reach the sidecar at http://127.0.0.1:9');
    expect(result.stdout).toContain('SIDECAR_URL');
  });

  it('without SIDECAR_URL starts the local stack in-process (SQLite under ./data)', async () => {
    const result = await run(['--cli', '--json'], {});
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as { steps: { handshakeKid: string | null }[] };
    expect(document).toMatchObject({ ok: true, passed: 6 });
    expect(existsSync(join(workDir, 'data', 'identity.db'))).toBe(true);
    // Its own sidecar's handshake keys are trusted: both session inits were checked.
    expect(document.steps[0]?.handshakeKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(document.steps[3]?.handshakeKid).toBe(document.steps[0]?.handshakeKid);
  });

  it('with SIDECAR_KEYS_URL says the sidecar is authenticated, and fails closed on keys that are not its own', async () => {
    const [checked, wrongKeys] = await Promise.all([
      run(['--cli'], { SIDECAR_URL: stack.sidecarUrl, SIDECAR_KEYS_URL: `${stack.sidecarUrl}/.well-known/sidecar-jwks.json` }),
      // The identity API's token keys never sign a handshake.
      run(['--cli'], { SIDECAR_URL: stack.sidecarUrl, SIDECAR_KEYS_URL: `${stack.identityUrl}/.well-known/jwks.json` }),
    ]);
    expect(checked.code).toBe(0);
    expect(checked.stdout.match(/sidecar authenticated \(kid [A-Za-z0-9_-]{43}\)/g)).toHaveLength(2);
    expect(wrongKeys.code).toBe(1);
    expect(wrongKeys.stdout).toMatch(/\[1\/6\] .* FAIL/);
    expect(wrongKeys.stdout).toContain('not vouched for by the sidecar (unknown_key)');
    expect(wrongKeys.stdout).not.toContain('sidecar authenticated');
  });

  it('--help explains the options and variables; bad options and values exit 2', async () => {
    const [help, bad, badPort] = await Promise.all([
      run(['--help'], {}),
      run(['--nope'], {}),
      run(['--cli'], { PORT: 'abc', SIDECAR_URL: stack.sidecarUrl }),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--cli');
    expect(help.stdout).toContain('SIDECAR_URL');
    expect(help.stdout).toContain('NO_COLOR');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage:');
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('PORT: must be an integer');
  });
});
