/**
 * Randomness from the platform's CSPRNG (`globalThis.crypto`, present in Node 20 and
 * every browser), so the browser entry needs no `node:` import.
 */

/** `length` cryptographically random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A random UUID v4 string (36 characters, no `.`). */
export function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
