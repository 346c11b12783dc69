/**
 * One contract for every session store and nonce store implementation (memory, Redis):
 * what the sidecar relies on, whichever backend holds the data.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSessionId } from '@idsvc/protocol';
import { type NonceUse, type Session, initNonceScope, sessionNonceScope } from '../../src/stores/index.js';
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

  it('beyond a client\'s budget evicts only that client\'s own oldest anonymous sessions', async () => {
    const max = opened.limits.sessionClientMax;
    const victim = session(opened, { clientId: 'victim' });
    const authenticated = session(opened, { clientId: 'flooder', type: 'authenticated', subject: 'test-user' });
    await opened.stores.sessions.put(victim);
    await opened.stores.sessions.put(authenticated);
    const flood = Array.from({ length: max + 2 }, () => session(opened, { clientId: 'flooder' }));
    for (const s of flood) await opened.stores.sessions.put(s);
    expect(await opened.stores.sessions.get(victim.id)).toBeDefined();
    expect(await opened.stores.sessions.get(authenticated.id)).toBeDefined();
    const kept = await Promise.all(flood.map(async (s) => (await opened.stores.sessions.get(s.id)) !== undefined));
    // The budget holds the authenticated session and the newest anonymous ones.
    expect(kept).toEqual(flood.map((_, i) => i >= flood.length - (max - 1)));
  });

  it('evicts a client\'s authenticated sessions only when it has no anonymous one left', async () => {
    const max = opened.limits.sessionClientMax;
    const authenticated = Array.from({ length: max + 1 }, () => session(opened, { type: 'authenticated', subject: 'test-user' }));
    for (const s of authenticated) await opened.stores.sessions.put(s);
    expect(await opened.stores.sessions.get(authenticated[0]!.id)).toBeUndefined();
    expect(await opened.stores.sessions.get(authenticated.at(-1)!.id)).toBeDefined();
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

  const use = (scope: string, nonce: string, timestampMs = opened.clock.now(), ttlSec = 600): NonceUse => ({ scope, nonce, timestampMs, ttlSec });

  it('accepts a nonce once, then refuses it as a replay', async () => {
    const nonce = crypto.randomUUID();
    expect(await opened.stores.nonces.remember(use('s:a', nonce))).toBe('fresh');
    expect(await opened.stores.nonces.remember(use('s:a', nonce))).toBe('replay');
    // Whatever timestamp the replay carries.
    expect(await opened.stores.nonces.remember(use('s:a', nonce, opened.clock.now() + 1000))).toBe('replay');
  });

  it('keeps the nonces of each scope apart', async () => {
    const nonce = crypto.randomUUID();
    expect(await opened.stores.nonces.remember(use(sessionNonceScope('S-1'), nonce))).toBe('fresh');
    expect(await opened.stores.nonces.remember(use(sessionNonceScope('S-2'), nonce))).toBe('fresh');
    expect(await opened.stores.nonces.remember(use(initNonceScope('dev-client', new Uint8Array(65).fill(4)), nonce))).toBe('fresh');
    expect(await opened.stores.nonces.remember(use(initNonceScope('other-client', new Uint8Array(65).fill(4)), nonce))).toBe('fresh');
  });

  it('lets exactly one of many concurrent uses of a nonce through', async () => {
    const nonce = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 25 }, () => opened.stores.nonces.remember(use('s:a', nonce))));
    expect(answers.filter((a) => a === 'fresh')).toHaveLength(1);
    expect(answers.filter((a) => a === 'replay')).toHaveLength(24);
  });

  it('forgets a nonce once its TTL has passed since its timestamp, and refuses it as stale from then on', async () => {
    const nonce = crypto.randomUUID();
    const timestampMs = opened.clock.now();
    expect(await opened.stores.nonces.remember(use('s:a', nonce, timestampMs, 1))).toBe('fresh');
    await opened.elapse(1100);
    // Its timestamp is now too old to be remembered for a whole TTL: never accepted again.
    expect(await opened.stores.nonces.remember(use('s:a', nonce, timestampMs, 1))).toBe('stale');
    expect(await opened.stores.nonces.remember(use('s:a', nonce, opened.clock.now(), 1))).toBe('fresh');
  });

  it('beyond the scope bound forgets the oldest nonce, and refuses it, and anything older, as stale', async () => {
    const t0 = opened.clock.now();
    const max = opened.limits.nonceScopeMax;
    const nonces = Array.from({ length: max + 3 }, () => crypto.randomUUID());
    for (const [i, nonce] of nonces.entries()) {
      expect(await opened.stores.nonces.remember(use('s:a', nonce, t0 + i))).toBe('fresh');
    }
    // The three oldest were forgotten: their replays (and any older timestamp) are stale.
    for (const i of [0, 1, 2]) expect(await opened.stores.nonces.remember(use('s:a', nonces[i]!, t0 + i))).toBe('stale');
    expect(await opened.stores.nonces.remember(use('s:a', crypto.randomUUID(), t0 + 2))).toBe('stale');
    // The remembered ones are still replays; a fresh nonce just above the watermark passes.
    expect(await opened.stores.nonces.remember(use('s:a', nonces[3]!, t0 + 3))).toBe('replay');
    expect(await opened.stores.nonces.remember(use('s:a', nonces.at(-1)!, t0 + max + 2))).toBe('replay');
    expect(await opened.stores.nonces.remember(use('s:a', crypto.randomUUID(), t0 + 3))).toBe('fresh');
    // Another scope is untouched by this one's watermark, even with an older timestamp.
    expect(await opened.stores.nonces.remember(use('s:b', crypto.randomUUID(), t0 - 60_000))).toBe('fresh');
  });

  it('forgets the lowest timestamp first, whatever the order of arrival', async () => {
    const t0 = opened.clock.now();
    const max = opened.limits.nonceScopeMax;
    const late = crypto.randomUUID();
    expect(await opened.stores.nonces.remember(use('s:a', late, t0 + 10_000))).toBe('fresh');
    for (let i = 0; i < max; i += 1) {
      expect(await opened.stores.nonces.remember(use('s:a', crypto.randomUUID(), t0 + i))).toBe('fresh');
    }
    // The first nonce to arrive had the highest timestamp: it is still remembered.
    expect(await opened.stores.nonces.remember(use('s:a', late, t0 + 10_000))).toBe('replay');
    expect(await opened.stores.nonces.remember(use('s:a', crypto.randomUUID(), t0))).toBe('stale');
  });
});
