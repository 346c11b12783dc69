import { randomFillSync } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time: a token issue needs three tokens,
 * and each call into OpenSSL's generator cost more than a whole ECDSA signature under load
 * (`npm run bench -- --cpu-prof`). Bytes leave the pool once and are wiped there as they
 * leave, so no token shares bytes with another.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

function takeRandom(length: number): Buffer {
  if (length > POOL_BYTES / 4) return randomFillSync(Buffer.alloc(length));
  if (used + length > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + length));
  pool.fill(0, used, used + length);
  used += length;
  return out;
}

/**
 * An opaque random string: `bytes` random bytes (32 = 256 bits by default) in base64url
 * without padding, safe in URLs, headers and JSON.
 */
export function randomToken(bytes = 32): string {
  const random = takeRandom(bytes);
  const token = random.toString('base64url');
  random.fill(0);
  return token;
}

/**
 * A unique id that sorts by creation time: the millisecond clock `now` in 12 hex digits
 * (hex, because its characters sort in the order of their values, unlike base64url's),
 * then 96 random bits in base64url. Rows keyed by such ids go to the right-hand edge of
 * their indexes instead of anywhere in them, so the rows of one commit share a few B-tree
 * pages instead of dirtying one page each.
 */
export function timeOrderedId(now: number): string {
  return `${Math.max(0, Math.trunc(now)).toString(16).padStart(12, '0')}${randomToken(12)}`;
}
