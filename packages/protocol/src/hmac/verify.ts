import type { CryptoBackend } from '../backends/types.js';
import { toBytes } from '../lib/bytes.js';
import { signatureBytes } from '../lib/checks.js';
import { signedBytes, type SignatureInput } from './sign.js';

/** A received signature and what it should cover. */
export interface VerifyInput extends SignatureInput {
  /** The `X-Signature` header as received: 64 hex characters. */
  signature: string;
}

/**
 * Whether `signature` is the HMAC of the request, compared in constant time. A missing or
 * malformed signature (not 64 hex characters) is simply `false`. Hex of either case is
 * accepted: it is the same 32 bytes. Exposed as `verifySignature()` on
 * {@link createProtocol}'s result.
 */
export async function verifySignature(backend: CryptoBackend, input: VerifyInput): Promise<boolean> {
  const mac = signatureBytes(input.signature);
  if (mac === undefined) return false;
  const key = toBytes(input.secret);
  try {
    return await backend.hmacSha256Verify(key, await signedBytes(backend, input), mac);
  } finally {
    if (typeof input.secret === 'string') key.fill(0);
  }
}
