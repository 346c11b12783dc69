/**
 * With background checkpoints (the server's SQLite database), committed pages reach the
 * database file without any commit checkpointing them itself.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/storage/database.js';
import type { Database } from '../../src/storage/schema.js';
import { waitFor } from '../helpers/wait-for.js';

/** Open a database and write about 1 MB in small transactions (far below SQLite's own checkpoint threshold). */
async function writeMegabyte(path: string, backgroundCheckpoints: boolean): Promise<{ db: Database; grown: () => number }> {
  const db = openSqlite(path, { backgroundCheckpoints });
  await db.executeQuery(CompiledQuery.raw('create table t (x text)'));
  const before = statSync(path).size;
  for (let i = 0; i < 250; i++) {
    await db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw(`insert into t values ('${'x'.repeat(4000)}')`)));
  }
  return { db, grown: () => statSync(path).size - before };
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
    const { db, grown } = await writeMegabyte(join(dir, `background-${randomUUID()}.db`), true);
    try {
      expect(await waitFor(() => grown() > 500_000, 'the database file to take the pages')).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('(control) without them, the pages stay in the WAL until SQLite checkpoints on a commit', async () => {
    // Both databases get the same writes; by the time the checkpointed one has taken its
    // pages, the other has still not.
    const plain = await writeMegabyte(join(dir, `plain-${randomUUID()}.db`), false);
    const background = await writeMegabyte(join(dir, `background-${randomUUID()}.db`), true);
    try {
      await waitFor(() => background.grown() > 500_000, 'the checkpointed database file to take the pages');
      expect(plain.grown()).toBeLessThan(100_000);
    } finally {
      await plain.db.destroy();
      await background.db.destroy();
    }
  });

  it('leave every row readable after the database is closed and opened again', async () => {
    const path = join(dir, `reopened-${randomUUID()}.db`);
    const { db, grown } = await writeMegabyte(path, true);
    await waitFor(() => grown() > 500_000, 'the database file to take the pages');
    await db.destroy();
    const reopened = openSqlite(path, { backgroundCheckpoints: true });
    try {
      const rows = await reopened.executeQuery<{ n: number }>(CompiledQuery.raw('select count(*) as n from t'));
      expect(rows.rows[0]?.n).toBe(250);
    } finally {
      await reopened.destroy();
    }
  });
});
