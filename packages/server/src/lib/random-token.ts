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
