import type { KeyObject } from 'node:crypto';
import { es256SignNode, hkdfSha256Node, hmacSha256Node } from '../backends/node-primitives.js';
import { encodeBase64 } from '../base64.js';
import { confirmationKeyInputs } from '../handshake/confirm.js';
import { assertBytes } from '../lib/bytes.js';

/**
 * The `X-Handshake-Signature` value of a transcript: base64 of the ES256 signature r || s
 * by the sidecar's handshake key (a P-256 private `KeyObject`).
 *
 * @example
 * ```ts
 * headers['X-Handshake-Signature'] = signHandshakeSync(handshakeKey, buildHandshakeTranscript(fields))
 * ```
 */
export function signHandshakeSync(privateKey: KeyObject, transcript: Uint8Array): string {
  return encodeBase64(es256SignNode(privateKey, transcript));
}

/** The 32-byte confirmation key of docs/protocol.md section 12.1, synchronously. Zeroize it after use. */
export function deriveConfirmationKeySync(sharedSecret: Uint8Array, sessionId: string, clientId: string): Uint8Array {
  assertBytes(sharedSecret, 32, 'shared secret');
  const { salt, info } = confirmationKeyInputs(sessionId, clientId);
  return hkdfSha256Node(sharedSecret, salt, info, 32);
}

/**
 * The `X-Handshake-Confirm` value: base64 of HMAC-SHA256(confirmation key, transcript).
 *
 * @example
 * ```ts
 * const confirmKey = deriveConfirmationKeySync(secret, sessionId, clientId)
 * headers['X-Handshake-Confirm'] = handshakeConfirmationSync(confirmKey, transcript)
 * zeroize(confirmKey)
 * ```
 */
export function handshakeConfirmationSync(confirmationKey: Uint8Array, transcript: Uint8Array): string {
  assertBytes(confirmationKey, 32, 'confirmation key');
  return encodeBase64(hmacSha256Node(confirmationKey, transcript));
}
