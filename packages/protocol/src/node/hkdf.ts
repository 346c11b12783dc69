import { hkdfSha256Node } from '../backends/node-primitives.js';
import { sessionKeyInputs } from '../hkdf.js';
import { assertBytes } from '../lib/bytes.js';

/**
 * The 32-byte session key of docs/protocol.md section 4, synchronously.
 *
 * @example
 * ```ts
 * const key = deriveSessionKeySync(secret, sessionId, clientId)
 * zeroize(secret)
 * ```
 */
export function deriveSessionKeySync(sharedSecret: Uint8Array, sessionId: string, clientId: string): Uint8Array {
  assertBytes(sharedSecret, 32, 'shared secret');
  const { salt, info } = sessionKeyInputs(sessionId, clientId);
  return hkdfSha256Node(sharedSecret, salt, info, 32);
}
