import { randomBytes } from 'node:crypto';

/**
 * An opaque random string: `bytes` random bytes (32 = 256 bits by default) in base64url
 * without padding, safe in URLs, headers and JSON.
 */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
