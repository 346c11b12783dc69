/**
 * P-256 (secp256r1) arithmetic needed for validation only: an on-curve check with
 * BigInt. Importing the point through DER/SPKI would validate it too, but costs about
 * as much as the ECDH itself; this check costs a few microseconds.
 */

/** The field prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1. */
export const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
/** The curve coefficient b of y^2 = x^3 - 3x + b. */
export const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
/** The group order n. */
export const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Length of an uncompressed point: 0x04 || X(32) || Y(32). */
export const PUBLIC_KEY_LENGTH = 65;
/** Length of a private scalar and of an ECDH shared secret. */
export const SCALAR_LENGTH = 32;

/** Big-endian bytes to a non-negative BigInt. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] as number).toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

/**
 * Why a 65-byte candidate is not a valid uncompressed P-256 point, or `undefined` when
 * it is one. The point at infinity has no uncompressed encoding, so it never passes.
 */
export function pointProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length !== PUBLIC_KEY_LENGTH) return `length ${bytes.length}, expected ${PUBLIC_KEY_LENGTH}`;
  if (bytes[0] !== 0x04) return `prefix 0x${(bytes[0] as number).toString(16).padStart(2, '0')}, expected 0x04`;
  const x = bytesToBigInt(bytes.subarray(1, 33));
  const y = bytesToBigInt(bytes.subarray(33, 65));
  if (x >= P || y >= P) return 'coordinate not below the field prime';
  if (mod(y * y) !== mod(x * x * x - 3n * x + B)) return 'point not on the curve';
  return undefined;
}

/** Whether 32 bytes are a valid private scalar: 1 <= d < n. */
export function isValidScalar(bytes: Uint8Array): boolean {
  if (bytes.length !== SCALAR_LENGTH) return false;
  const d = bytesToBigInt(bytes);
  return d > 0n && d < N;
}
