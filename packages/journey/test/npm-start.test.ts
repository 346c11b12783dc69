import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../client/test/support/stack.js';

// `npm start -- --cli --json | jq .` as a user types it: npm itself, from the repository
// root, with its `prestart` build. Whatever npm or the build prints must stay off stdout.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let stack: TestStack;
let dataDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  dataDir = mkdtempSync(join(tmpdir(), 'idsvc-npm-start-'));
});

afterAll(async () => {
  await stack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm start -- <args>` in the repository root, with a shell's environment plus `env`. */
function npmStart(args: string[], env: Record<string, string>): Promise<Run> {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    // The local stack's SQLite file (and its development key) go here, not into ./data.
    SQLITE_PATH: join(dataDir, 'identity.db'),
  };
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['start', '--', ...args],
      { cwd: ROOT, env: { ...base, ...env }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Document {
  ok: boolean;
  passed: number;
  total: number;
  steps: { step: number; success: boolean }[];
  verify: { step: string; success: boolean };
}

// The first run may compile every package (prestart): a loaded two-core machine needs time.
describe('npm start -- --cli --json', { timeout: 300_000 }, () => {
  it('prints only the JSON document on stdout: the local stack walks the six steps and verify', async () => {
    const result = await npmStart(['--cli', '--json'], {});
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as Document;
    expect(doc).toMatchObject({ ok: true, passed: 6, total: 6, verify: { step: 'verify', success: true } });
    expect(doc.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('still prints only JSON when the journey fails, and exits 1', async () => {
    const result = await npmStart(['--cli', '--json'], { SIDECAR_URL: stack.sidecarUrl, CLIENT_SECRET: 'wrong-secret' });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as Document;
    expect(doc).toMatchObject({ ok: false, passed: 1, total: 6, verify: { success: false } });
  });
});
