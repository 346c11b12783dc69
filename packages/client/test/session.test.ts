import { protocol, type SessionKeyHandle } from '@idsvc/protocol';
import { describe, expect, it } from 'vitest';
import { Session } from '../src/session.js';

const SESSION_ID = `S-${'ab'.repeat(16)}`;
const KEY = new Uint8Array(32).fill(7);
const handle = await protocol.importSessionKey(KEY);

function makeSession(key: SessionKeyHandle = handle): Session {
  return new Session({ sessionId: SESSION_ID, clientId: 'dev-client', key, expiresInSec: 1800, establishedAt: 1_000_000 });
}

describe('Session', () => {
  it('derives its kid from the session id', () => {
    expect(makeSession().kid).toBe(`session:${SESSION_ID}`);
  });

  it('knows when it expires, with an optional safety margin', () => {
    const session = makeSession();
    const expiresAt = 1_000_000 + 1800 * 1000;
    expect(session.expiresAt).toBe(expiresAt);
    expect(session.isExpired(expiresAt - 1)).toBe(false);
    expect(session.isExpired(expiresAt)).toBe(true);
    expect(session.isExpired(expiresAt - 29_000, 30)).toBe(true);
    expect(session.secondsLeft(expiresAt - 61_500)).toBe(61);
    expect(session.secondsLeft(expiresAt + 5000)).toBe(0);
  });

  it('destroys its key and refuses to use it afterwards', async () => {
    const key = await protocol.importSessionKey(KEY);
    const session = makeSession(key);
    const aad = new TextEncoder().encode('aad');
    await protocol.seal(session.key, aad, 'before');
    session.zeroize();
    expect(key.destroyed).toBe(true);
    expect(session.zeroized).toBe(true);
    expect(() => session.key).toThrow(TypeError);
    // The handle the session held can no longer seal either.
    await expect(protocol.seal(key, aad, 'after')).rejects.toBeInstanceOf(TypeError);
    session.zeroize(); // twice is harmless
  });

  it('hands out no raw key material from any of its fields or getters', () => {
    const session = makeSession();
    const prototype = Object.getOwnPropertyNames(Session.prototype);
    const values = [...Object.values(session), ...prototype.map((name) => (session as unknown as Record<string, unknown>)[name])];
    expect(values.some((v) => v instanceof Uint8Array || ArrayBuffer.isView(v) || v instanceof ArrayBuffer)).toBe(false);
    expect(Object.values(session.key).every((v) => typeof v === 'string')).toBe(true);
  });

  it('never shows its key when serialised', () => {
    const text = JSON.stringify(makeSession());
    expect(text).toContain(SESSION_ID);
    expect(text).not.toContain('key"');
  });
});
