import { describe, expect, it } from 'vitest';
import { Session } from '../src/session.js';

const SESSION_ID = `S-${'ab'.repeat(16)}`;

function makeSession(key = new Uint8Array(32).fill(7)): Session {
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

  it('overwrites its key with zeros and refuses to use it afterwards', () => {
    const key = new Uint8Array(32).fill(7);
    const session = makeSession(key);
    session.zeroize();
    expect(key.every((b) => b === 0)).toBe(true);
    expect(session.zeroized).toBe(true);
    expect(() => session.key).toThrow(TypeError);
    session.zeroize(); // twice is harmless
  });

  it('never shows its key when serialised', () => {
    const text = JSON.stringify(makeSession());
    expect(text).toContain(SESSION_ID);
    expect(text).not.toContain('key"');
  });
});
