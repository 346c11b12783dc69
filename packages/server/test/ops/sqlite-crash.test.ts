/**
 * An answered write survives the process: `idsvc identity` on SQLite is killed (SIGKILL)
 * in the middle of a stream of token issues, and every refresh token it had answered with
 * is in the database file afterwards. SQLite commits the transactions of one turn of the
 * event loop together (group commit), and answers none before that COMMIT.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../helpers/wire-client.js';
import { type CliProcess, startIdentity } from './helpers/cli.js';
import { ISSUE_REQUEST } from './helpers/journey.js';
import { createClient, newSecrets, processEnv } from './helpers/stack.js';

describe('idsvc identity on SQLite, killed while issuing tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idsvc-crash-'));
  const sqlitePath = join(dir, 'identity.db');
  const env = processEnv(newSecrets(), { SQLITE_PATH: sqlitePath });
  let identity: CliProcess | undefined;

  afterAll(async () => {
    await identity?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every refresh token it answered with, and serves them after a restart', async () => {
    identity = await startIdentity(env);
    const client = await createClient(identity.url, env.ADMIN_TOKEN as string);
    const url = new URL('/api/v1/token/issue', identity.url);
    const answered: string[] = [];
    let killed = false;
    // Eight callers issue one token after another until the process is gone.
    const caller = async (): Promise<void> => {
      while (!killed) {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: basicAuth(client.id, client.secret) },
            body: JSON.stringify(ISSUE_REQUEST),
          });
          if (response.status !== 200) throw new Error(`issue answered ${response.status}`);
          answered.push(((await response.json()) as { refresh_token: string }).refresh_token);
        } catch (err) {
          if (!killed) throw err;
        }
      }
    };
    const callers = Array.from({ length: 8 }, caller);
    const deadline = Date.now() + 15_000;
    while (answered.length < 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    killed = true;
    identity.signal('SIGKILL');
    expect((await identity.exited).signal).toBe('SIGKILL');
    await Promise.all(callers);
    expect(answered.length).toBeGreaterThanOrEqual(200);

    // Opening the file recovers what its WAL committed, as the restarted server will.
    const file = new BetterSqlite3(sqlitePath);
    try {
      const stored = new Set((file.prepare('select token_hash from refresh_tokens').all() as { token_hash: string }[]).map((r) => r.token_hash));
      const lost = answered.filter((token) => !stored.has(createHash('sha256').update(token).digest('hex')));
      expect(lost).toEqual([]);
    } finally {
      file.close();
    }

    // And the service goes on where it stopped: the last token answered still rotates.
    identity = await startIdentity(env);
    const last = answered[answered.length - 1] as string;
    const issued = await fetch(new URL('/api/v1/token/issue', identity.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(client.id, client.secret) },
      body: JSON.stringify(ISSUE_REQUEST),
    });
    expect(issued.status).toBe(200);
    const bearer = ((await issued.json()) as { access_token: string }).access_token;
    const refreshed = await fetch(new URL('/api/v1/token', identity.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: last }),
    });
    expect(refreshed.status).toBe(200);
  }, 120_000);
});
