/**
 * Memory-hard hashing of client secrets that are only ever verified (Basic clients), with
 * scrypt from node:crypto. The whole secret is hashed, whatever its length: unlike bcrypt,
 * nothing after the 72nd byte is ignored.
 *
 * Why the secret is digested first: scrypt feeds the password to PBKDF2-HMAC-SHA256 as the
 * HMAC key, and HMAC pads a key shorter than its 64-byte block with zero bytes (and hashes
 * a longer one down to 32 bytes). Fed raw, `secret` and `secret\0` are the same HMAC key,
 * so both would verify. Version 2 runs scrypt over SHA-256 of the secret instead: every
 * password scrypt sees is exactly 32 bytes, so only the exact secret bytes verify.
 *
 * Stored formats:
 * - `scrypt2$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`: scrypt(SHA-256(secret)); written today.
 * - `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`: scrypt(secret), the first version. Still read, with
 *   a secret ending in a zero byte refused (the padding alias), and {@link needsRehash} says to
 *   replace it after the next successful check.
 * The cost is in the format, so it can be raised later without breaking stored hashes.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost parameters: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds per run). */
export const SCRYPT_PARAMS = { logN: 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const CURRENT = 'scrypt2';
const LEGACY = 'scrypt';

function runScrypt(password: Uint8Array, salt: Uint8Array, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 };
  // The async form runs on the libuv pool, so a hash never blocks the event loop.
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The fixed-length password of version 2 (see the module comment). */
function digestOf(secret: Uint8Array): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Hash a secret for storage (version 2). */
export async function hashSecret(secret: Uint8Array): Promise<string> {
  const { logN, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const password = digestOf(secret);
  const hash = await runScrypt(password, salt, logN, r, p);
  password.fill(0);
  const encoded = `${CURRENT}$${logN}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
  hash.fill(0);
  return encoded;
}

/** `true` when a stored hash is of an older version or cost, and should be replaced after a successful check. */
export function needsRehash(stored: string): boolean {
  const { logN, r, p } = SCRYPT_PARAMS;
  return !stored.startsWith(`${CURRENT}$${logN}$${r}$${p}$`);
}

/** `true` when `secret` matches the stored hash; `false` for a wrong secret or a malformed hash. */
export async function verifySecret(secret: Uint8Array, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || (parts[0] !== CURRENT && parts[0] !== LEGACY)) return false;
  const legacy = parts[0] === LEGACY;
  // Version 1 cannot tell `s` from `s\0`; no secret we generate ends in a zero byte.
  if (legacy && secret.length > 0 && secret[secret.length - 1] === 0) return false;
  const [logN, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  const password = legacy ? Buffer.from(secret) : digestOf(secret);
  try {
    const actual = await runScrypt(password, salt, logN, r, p);
    try {
      return timingSafeEqual(actual, expected);
    } finally {
      actual.fill(0);
    }
  } finally {
    password.fill(0);
  }
}
