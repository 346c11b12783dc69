import { hmacSha256Node, hmacSha256VerifyNode, sha256Node } from '../backends/node-primitives.js';
import type { SignatureInput } from '../hmac/sign.js';
import { stringToSign } from '../hmac/string-to-sign.js';
import type { VerifyInput } from '../hmac/verify.js';
import { toBytes, utf8 } from '../lib/bytes.js';
import { signatureBytes } from '../lib/checks.js';
import { toHex } from '../lib/hex.js';

/**
 * Lowercase hex SHA-256, synchronously (text is UTF-8).
 *
 * @example
 * ```ts
 * sha256HexSync('') // 'e3b0c442...b855'
 * ```
 */
export function sha256HexSync(data: Uint8Array | string): string {
  return toHex(sha256Node(toBytes(data)));
}

function signedBytesSync(input: SignatureInput): Uint8Array {
  return utf8(stringToSign({ timestamp: input.timestamp, nonce: input.nonce, bodyHashHex: sha256HexSync(input.body) }));
}

/**
 * The lowercase hex `X-Signature` of a token issue request, synchronously.
 *
 * @example
 * ```ts
 * const signature = signSync({ secret, timestamp, nonce, body })
 * ```
 */
export function signSync(input: SignatureInput): string {
  const key = toBytes(input.secret);
  const mac = hmacSha256Node(key, signedBytesSync(input));
  if (typeof input.secret === 'string') key.fill(0);
  return toHex(mac);
}

/**
 * Constant-time check of an `X-Signature`, synchronously; `false` for a wrong signature
 * or one that is not 64 hex characters.
 *
 * @example
 * ```ts
 * if (!verifySignatureSync({ secret, timestamp, nonce, body: rawBody, signature })) throw invalidClient()
 * ```
 */
export function verifySignatureSync(input: VerifyInput): boolean {
  const mac = signatureBytes(input.signature);
  if (mac === undefined) return false;
  const key = toBytes(input.secret);
  try {
    return hmacSha256VerifyNode(key, signedBytesSync(input), mac);
  } finally {
    if (typeof input.secret === 'string') key.fill(0);
  }
}
