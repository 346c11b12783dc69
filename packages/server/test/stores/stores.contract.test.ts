/**
 * One contract for every session store and nonce store implementation (memory, Redis):
 * what the sidecar relies on, whichever backend holds the data.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSessionId } from '@idsvc/protocol';
import type { Session } from '../../src/stores/index.js';
import { requireRedis } from '../helpers/redis-env.js';
import { type OpenStores, type StoreTarget, memoryTarget, redisTarget } from './store-targets.js';

const redisUrl = await requireRedis();
const targets: StoreTarget[] = [memoryTarget, ...(redisUrl !== undefined ? [redisTarget(redisUrl)] : [])];

function session(opened: OpenStores, overrides: Partial<Session> = {}): Session {
  return {
    id: newSessionId(),
    clientId: 'dev-client',
    type: 'anonymous',
    subject: undefined,
    expiresAtMs: opened.clock.now() + 1800 * 1000,
    key: randomBytes(32),
    ...overrides,
  };
}

describe.each(targets)('session store contract: $name', (target) => {
  let opened: OpenStores;
  beforeEach(async () => {
    opened = await target.open();
  });
  afterEach(async () => {
    await opened.cleanup();
  });

  it('gives back what was put: id, client, type, subject, expiry and key', async () => {
    const s = session(opened, { type: 'authenticated', subject: 'test-user' });
    const keyCopy = Buffer.from(s.key);
    await opened.stores.sessions.put(s);
    const found = await opened.stores.sessions.get(s.id);
    expect(found).toMatchObject({ id: s.id, clientId: 'dev-client', type: 'authenticated', subject: 'test-user', expiresAtMs: s.expiresAtMs });
    expect(Buffer.from(found!.key).equals(keyCopy)).toBe(true);
  });

  it('keeps an anonymous session without subject', async () => {
    const s = session(opened);
    await opened.stores.sessions.put(s);
    const found = await opened.stores.sessions.get(s.id);
    expect(found?.type).toBe('anonymous');
    expect(found?.subject).toBeUndefined();
  });

  it('hands out a copy of the key: zeroizing it leaves the stored session intact', async () => {
    const s = session(opened);
    const keyCopy = Buffer.from(s.key);
    await opened.stores.sessions.put(s);
    const first = await opened.stores.sessions.get(s.id);
    first!.key.fill(0);
    const second = await opened.stores.sessions.get(s.id);
    expect(Buffer.from(second!.key).equals(keyCopy)).toBe(true);
  });

  it('knows nothing of an id it was never given', async () => {
    expect(await opened.stores.sessions.get(newSessionId())).toBeUndefined();
  });

  it('forgets a session once its expiry has passed', async () => {
    const s = session(opened, { expiresAtMs: opened.clock.now() + 1000 });
    await opened.stores.sessions.put(s);
    expect(await opened.stores.sessions.get(s.id)).toBeDefined();
    await opened.elapse(1100);
    expect(await opened.stores.sessions.get(s.id)).toBeUndefined();
  });

  it('forgets a deleted session', async () => {
    const s = session(opened);
    await opened.stores.sessions.put(s);
    await opened.stores.sessions.delete(s.id);
    expect(await opened.stores.sessions.get(s.id)).toBeUndefined();
  });

  it('keeps sessions apart', async () => {
    const a = session(opened, { clientId: 'a' });
    const b = session(opened, { clientId: 'b' });
    await opened.stores.sessions.put(a);
    await opened.stores.sessions.put(b);
    expect((await opened.stores.sessions.get(a.id))?.clientId).toBe('a');
    expect((await opened.stores.sessions.get(b.id))?.clientId).toBe('b');
  });
});

describe.each(targets)('nonce store contract: $name', (target) => {
  let opened: OpenStores;
  beforeEach(async () => {
    opened = await target.open();
  });
  afterEach(async () => {
    await opened.cleanup();
  });

  it('accepts a nonce once, then refuses it', async () => {
    const nonce = crypto.randomUUID();
    expect(await opened.stores.nonces.remember('dev-client', nonce, 600)).toBe(true);
    expect(await opened.stores.nonces.remember('dev-client', nonce, 600)).toBe(false);
  });

  it('keeps the nonces of each client id apart', async () => {
    const nonce = crypto.randomUUID();
    expect(await opened.stores.nonces.remember('dev-client', nonce, 600)).toBe(true);
    expect(await opened.stores.nonces.remember('other-client', nonce, 600)).toBe(true);
  });

  it('does not confuse ("a:b", "c") with ("a", "b:c")', async () => {
    const tail = crypto.randomUUID();
    expect(await opened.stores.nonces.remember('a:b', `c${tail}`, 600)).toBe(true);
    expect(await opened.stores.nonces.remember('a', `b:c${tail}`, 600)).toBe(true);
  });

  it('lets exactly one of many concurrent uses of a nonce through', async () => {
    const nonce = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 25 }, () => opened.stores.nonces.remember('dev-client', nonce, 600)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a nonce after its TTL', async () => {
    const nonce = crypto.randomUUID();
    expect(await opened.stores.nonces.remember('dev-client', nonce, 1)).toBe(true);
    await opened.elapse(1100);
    expect(await opened.stores.nonces.remember('dev-client', nonce, 1)).toBe(true);
  });
});
