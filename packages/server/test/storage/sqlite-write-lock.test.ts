/**
 * A transaction that finds SQLite's write lock held by another connection (another process,
 * or the CLI) waits for it without blocking the event loop, and gives up after the busy
 * timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/storage/database.js';
import type { Database } from '../../src/storage/schema.js';

describe('waiting for the SQLite write lock', () => {
  let dir: string;
  let holder: Database;
  let waiter: Database;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idsvc-lock-'));
    holder = openSqlite(join(dir, 'db.sqlite'));
    waiter = openSqlite(join(dir, 'db.sqlite'), { busyTimeoutMs: 1000 });
    await holder.executeQuery(CompiledQuery.raw('create table t (x integer)'));
  });
  afterAll(async () => {
    await holder.destroy();
    await waiter.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the event loop run while it waits, then goes on once the lock is released', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const holding = holder.transaction().execute(async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('insert into t values (1)'));
      await released;
    });
    await sleep(5);
    const waiting = waiter.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw('insert into t values (2)')));
    // Timers still fire while the second transaction waits for the lock.
    const ticks: number[] = [];
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      ticks.push(i);
    }
    expect(ticks).toHaveLength(5);
    release();
    await holding;
    await waiting;
    const rows = await holder.selectFrom('t' as never).selectAll().execute();
    expect(rows).toHaveLength(2);
  });

  it('fails with SQLITE_BUSY once the busy timeout has passed', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const holding = holder.transaction().execute(async () => {
      await released;
    });
    await sleep(5);
    const started = Date.now();
    await expect(waiter.transaction().execute(() => Promise.resolve())).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    release();
    await holding;
  });
});
