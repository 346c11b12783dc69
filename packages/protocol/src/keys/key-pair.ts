import type { CryptoBackend, KeyPair } from '../backends/types.js';
import { checkScalar } from '../lib/checks.js';

/**
 * A fresh ephemeral P-256 key pair from a backend.
 * Exposed as `generateKeyPair()` on {@link createProtocol}'s result.
 */
export async function generateKeyPair(backend: CryptoBackend): Promise<KeyPair> {
  return backend.generateKeyPair();
}

/**
 * The key pair of a known 32-byte big-endian scalar (test vectors, fixtures).
 * Exposed as `importPrivateKey()` on {@link createProtocol}'s result.
 * Throws `TypeError` unless the scalar is 32 bytes in [1, n-1].
 */
export async function importPrivateKey(backend: CryptoBackend, scalar: Uint8Array): Promise<KeyPair> {
  checkScalar(scalar);
  return backend.importPrivateKey(scalar);
}
