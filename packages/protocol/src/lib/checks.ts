/**
 * Argument checks shared by the async operations and the `*Sync` functions, so both
 * refuse the same things the same way.
 */
import { decodeBase64 } from '../base64.js';
import type { SessionKey } from '../backends/types.js';
import { DecryptionFailedError } from '../errors.js';
import { assertBytes } from './bytes.js';
import { fromHex } from './hex.js';
import { isValidScalar } from './p256.js';

/** AES-256 key length. */
export const KEY_LENGTH = 32;
/** GCM IV length used by the protocol. */
export const IV_LENGTH = 12;
/** GCM tag length used by the protocol. */
export const TAG_LENGTH = 16;

/**
 * A session key must be 32 bytes or a session-key handle (the backend checks it made the
 * handle); anything else is a programmer mistake.
 */
export function checkSessionKey(key: SessionKey): void {
  if (key instanceof Uint8Array) assertBytes(key, KEY_LENGTH, 'key');
  else if (typeof key !== 'object' || key === null || (key as { kind?: unknown }).kind !== 'session-key') {
    throw new TypeError('key must be 32 bytes or a session key handle');
  }
}

/** A private scalar must be 32 bytes in [1, n-1]. */
export function checkScalar(scalar: Uint8Array): void {
  assertBytes(scalar, 32, 'private key scalar');
  if (!isValidScalar(scalar)) throw new TypeError('private key scalar must be in [1, n-1]');
}

/** The AAD must be bytes (see buildAad). */
export function checkAad(aad: Uint8Array): void {
  if (!(aad instanceof Uint8Array)) throw new TypeError('aad must be a Uint8Array (see buildAad)');
}

/**
 * The raw bytes of a payload given as base64 or bytes, split into IV and ciphertext ‖ tag.
 * Every way it can be wrong becomes the same {@link DecryptionFailedError}: the sender
 * learns nothing about why.
 */
export function splitPayload(payload: Uint8Array | string): { iv: Uint8Array; sealed: Uint8Array } {
  let bytes: Uint8Array;
  if (typeof payload === 'string') {
    try {
      bytes = decodeBase64(payload);
    } catch {
      throw new DecryptionFailedError('payload is not strict base64');
    }
  } else if (payload instanceof Uint8Array) {
    bytes = payload;
  } else {
    throw new DecryptionFailedError('payload is neither base64 nor bytes');
  }
  if (bytes.length < IV_LENGTH + TAG_LENGTH) throw new DecryptionFailedError('payload shorter than IV + tag');
  return { iv: bytes.subarray(0, IV_LENGTH), sealed: bytes.subarray(IV_LENGTH) };
}

/** The 32 bytes of a hex signature (either case), or `undefined` when it is not 64 hex characters. */
export function signatureBytes(signature: unknown): Uint8Array | undefined {
  if (typeof signature !== 'string' || signature.length !== 64) return undefined;
  return fromHex(signature);
}
