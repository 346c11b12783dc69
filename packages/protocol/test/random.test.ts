import { describe, expect, it } from 'vitest';
import { randomBytes } from '../src/lib/random.js';
import { decodeBase64, newSessionId, sealSync } from '../src/index.js';

describe('pooled randomness', () => {
  it('never hands out the same bytes twice, across many refills of the pool', () => {
    const seen = new Set<string>();
    // 5,000 IVs of 12 bytes span about 15 refills of the 4 KiB pool.
    for (let i = 0; i < 5000; i++) seen.add(Buffer.from(randomBytes(12)).toString('hex'));
    expect(seen.size).toBe(5000);
  });

  it('gives exactly the length asked, pooled or not', () => {
    for (const length of [0, 1, 12, 16, 64, 65, 4096, 5000]) expect(randomBytes(length)).toHaveLength(length);
  });

  it('returns bytes that do not share memory with the pool', () => {
    const a = randomBytes(16);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(16);
  });

  it('gives every sealed message its own IV and every session its own id', () => {
    const key = new Uint8Array(32).fill(7);
    const aad = new TextEncoder().encode('t|n|k|c');
    const ivs = new Set(Array.from({ length: 2000 }, () => Buffer.from(decodeBase64(sealSync(key, aad, '{}')).subarray(0, 12)).toString('hex')));
    expect(ivs.size).toBe(2000);
    expect(new Set(Array.from({ length: 2000 }, newSessionId)).size).toBe(2000);
  });
});
