/**
 * Memory-hard hashing of client secrets that are only ever verified (Basic clients), with
 * scrypt from node:crypto. The whole secret is hashed, whatever its length: unlike bcrypt,
 * nothing after the 72nd byte is ignored.
 *
 * Stored format: `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`, so the cost
 * can be raised later without breaking stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost parameters: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds per run). */
export const SCRYPT_PARAMS = { logN: 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function runScrypt(secret: Uint8Array, salt: Uint8Array, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 };
  // The async form runs on the libuv pool, so a hash never blocks the event loop.
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a secret for storage. */
export async function hashSecret(secret: Uint8Array): Promise<string> {
  const { logN, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const hash = await runScrypt(secret, salt, logN, r, p);
  const encoded = `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
  hash.fill(0);
  return encoded;
}

/** `true` when `secret` matches the stored hash; `false` for a wrong secret or a malformed hash. */
export async function verifySecret(secret: Uint8Array, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  const actual = await runScrypt(secret, salt, logN, r, p);
  try {
    return timingSafeEqual(actual, expected);
  } finally {
    actual.fill(0);
  }
}
