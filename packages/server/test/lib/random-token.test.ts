import { describe, expect, it } from 'vitest';
import { randomToken, timeOrderedId } from '../../src/lib/random-token.js';

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

describe('timeOrderedId', () => {
  it('sorts by the time it was made for, whatever its random part', () => {
    const times = [0, 1, 15, 16, 255, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 2 ** 47];
    const ids = times.flatMap((t) => [timeOrderedId(t), timeOrderedId(t)]);
    // SQLite compares text byte by byte, as this sort does.
    const sorted = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sorted.map((id) => parseInt(id.slice(0, 12), 16))).toEqual(times.flatMap((t) => [t, t]));
  });

  it('is unique within one millisecond, and has no dot', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => timeOrderedId(1_700_000_000_000)));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{16}$/);
  });
});
