import { describe, expect, it } from 'vitest';
import { randomToken } from '../../src/lib/random-token.js';

describe('randomToken', () => {
  it('gives base64url text of the asked number of bytes', () => {
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(randomToken(12), 'base64url')).toHaveLength(12);
    expect(Buffer.from(randomToken(2000), 'base64url')).toHaveLength(2000);
  });

  it('never repeats, across many refills of its random pool', () => {
    // 10,000 tokens of 32 bytes span about 80 refills of the 4 KiB pool.
    const tokens = new Set(Array.from({ length: 10_000 }, () => randomToken(32)));
    expect(tokens.size).toBe(10_000);
  });

  it('does not hand out the same bytes in two tokens of different lengths', () => {
    const bytes = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      for (const length of [12, 16, 32]) {
        const raw = Buffer.from(randomToken(length), 'base64url');
        // Every 8-byte prefix is unique with overwhelming probability unless bytes repeat.
        bytes.add(raw.subarray(0, 8).toString('hex'));
      }
    }
    expect(bytes.size).toBe(9000);
  });
});
