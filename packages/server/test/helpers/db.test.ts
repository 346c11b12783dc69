/**
 * The skip rule the database tests rely on: locally an unreachable PostgreSQL leaves the
 * PostgreSQL half out with a visible message; under CI=true it fails instead, so CI never
 * passes by skipping.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The shared database helper, loaded afresh with PostgreSQL pointed at a closed port. */
async function helperWithoutPostgres(ci: boolean) {
  vi.stubEnv('TEST_POSTGRES_URL', 'postgres://postgres@127.0.0.1:1/test');
  vi.stubEnv('CI', ci ? 'true' : '');
  vi.resetModules();
  return import('./db.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('database tests when PostgreSQL is unreachable', () => {
  it('fail under CI=true', async () => {
    const { databaseTargets } = await helperWithoutPostgres(true);
    await expect(databaseTargets()).rejects.toThrow(/unreachable under CI=true/);
  });

  it('run on SQLite only locally, with a visible message', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { databaseTargets } = await helperWithoutPostgres(false);
      expect(await databaseTargets()).toEqual([{ kind: 'sqlite' }]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING the PostgreSQL half'));
    } finally {
      warn.mockRestore();
    }
  });
});
