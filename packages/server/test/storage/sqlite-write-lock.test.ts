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
    let locked!: () => void;
    const holdsLock = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.transaction().execute(async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('insert into t values (1)'));
      locked();
      await released;
    });
    await holdsLock;
    let settled = false;
    const waiting = waiter
      .transaction()
      .execute((trx) => trx.executeQuery(CompiledQuery.raw('insert into t values (2)')))
      .finally(() => (settled = true));
    // Timers keep firing on time while the second transaction waits for the lock: a waiter
    // that blocked the event loop would hold them back until its busy timeout (1 s).
    const started = Date.now();
    for (let i = 0; i < 5; i++) await sleep(10);
    expect(Date.now() - started).toBeLessThan(500);
    expect(settled).toBe(false);
    release();
    await holding;
    await waiting;
    const rows = await holder.selectFrom('t' as never).selectAll().execute();
    expect(rows).toHaveLength(2);
  });

  it('fails with SQLITE_BUSY once the busy timeout has passed', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holdsLock = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.transaction().execute(async () => {
      locked();
      await released;
    });
    await holdsLock;
    const started = Date.now();
    await expect(waiter.transaction().execute(() => Promise.resolve())).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    release();
    await holding;
  });
});
