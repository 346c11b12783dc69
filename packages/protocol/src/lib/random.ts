/**
 * Randomness from the platform's CSPRNG (`globalThis.crypto`, present in Node 20 and
 * every browser), so the browser entry needs no `node:` import.
 *
 * Small requests (IVs, session ids) are served from a pool filled 4 KiB at a time: one
 * call into the CSPRNG costs about as much as sealing a whole 600-byte message, whatever
 * the length asked (measured in `bench/`), so a call per IV would double the cost of a
 * seal. Bytes leave the pool once and are wiped from it as they leave. Keys never come
 * from here: key pairs are made by the crypto backend itself.
 */

const POOL_BYTES = 4096;
/** Requests above this length go to the CSPRNG directly. */
const POOLED_MAX = 64;

let pool = new Uint8Array(0);
let used = 0;

/** `length` cryptographically random bytes, never handed out before. */
export function randomBytes(length: number): Uint8Array {
  if (length > POOLED_MAX) {
    const out = new Uint8Array(length);
    globalThis.crypto.getRandomValues(out);
    return out;
  }
  if (used + length > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    globalThis.crypto.getRandomValues(pool);
    used = 0;
  }
  const out = pool.slice(used, used + length);
  pool.fill(0, used, used + length);
  used += length;
  return out;
}

/** A random UUID v4 string (36 characters, no `.`). */
export function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
