/**
 * With background checkpoints (the server's SQLite database), committed pages reach the
 * database file without any commit checkpointing them itself.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/storage/database.js';

/** Write about 1 MB in small transactions (far below SQLite's own checkpoint threshold), then wait. */
async function writeAndWait(path: string, backgroundCheckpoints: boolean): Promise<number> {
  const db = openSqlite(path, { backgroundCheckpoints });
  try {
    await db.executeQuery(CompiledQuery.raw('create table t (x text)'));
    const before = statSync(path).size;
    for (let i = 0; i < 250; i++) {
      await db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw(`insert into t values ('${'x'.repeat(4000)}')`)));
    }
    await sleep(400);
    return statSync(path).size - before;
  } finally {
    await db.destroy();
  }
}

describe('background WAL checkpoints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idsvc-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copy committed pages into the database file while the connection stays open', async () => {
    expect(await writeAndWait(join(dir, 'background.db'), true)).toBeGreaterThan(500_000);
  });

  it('(control) without them, the pages stay in the WAL until SQLite checkpoints on a commit', async () => {
    expect(await writeAndWait(join(dir, 'plain.db'), false)).toBeLessThan(100_000);
  });

  it('leave every row readable after the database is closed and opened again', async () => {
    const path = join(dir, 'background.db');
    const db = openSqlite(path, { backgroundCheckpoints: true });
    try {
      const rows = await db.executeQuery<{ n: number }>(CompiledQuery.raw('select count(*) as n from t'));
      expect(rows.rows[0]?.n).toBe(250);
    } finally {
      await db.destroy();
    }
  });
});
