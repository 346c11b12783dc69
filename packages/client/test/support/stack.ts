/**
 * A real identity API and sidecar for tests: `startStack` in development mode (the
 * development clients seeded) on free ports, with a SQLite file of its own in a
 * temporary folder that is removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startStack, type StackOptions } from '@idsvc/server';

export interface TestStack {
  sidecarUrl: string;
  identityUrl: string;
  close(): Promise<void>;
}

/** The seeded development clients (public dummy credentials). */
export const DEV_BASIC = { clientId: 'dev-client', clientSecret: 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!' } as const;
export const DEV_HMAC = {
  clientId: 'external-partner-test',
  clientSecret: 'external-partner-hmac-secret-key-32chars!',
} as const;

/** Start a stack; `env` overrides server variables (e.g. session TTLs, CORS_ORIGINS). */
export async function startTestStack(env: Record<string, string> = {}, options: StackOptions = {}): Promise<TestStack> {
  const dir = mkdtempSync(join(tmpdir(), 'idsvc-test-'));
  try {
    const config = loadConfig({
      MODE: 'development',
      LOG_LEVEL: 'silent',
      IDENTITY_PORT: '0',
      SIDECAR_PORT: '0',
      SQLITE_PATH: join(dir, 'identity.db'),
      ...env,
    });
    const stack = await startStack(config, options);
    return {
      sidecarUrl: stack.sidecarUrl,
      identityUrl: stack.identityUrl,
      close: async () => {
        await stack.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
