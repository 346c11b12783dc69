/**
 * Encryption at rest for what the server must be able to read back (HMAC client secrets,
 * private signing keys): AES-256-GCM under a key derived from the master key.
 *
 * Format (versioned so the scheme can change without ambiguity):
 *
 *     v1.<base64url(iv(12) || ciphertext || tag(16))>
 *
 * Each box is bound to a context string (e.g. `client-secret:dev-client`) through the GCM
 * AAD, so a ciphertext copied onto another row or into another purpose does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The box key is derived rather than the master key used directly: one key per purpose. */
const KEY_INFO = 'idsvc|secret-box|v1';

/** A box that does not open: wrong key, wrong context, or tampered. The reason is not told. */
export class SecretBoxError extends Error {
  constructor() {
    super('secret box does not open');
    this.name = 'SecretBoxError';
  }
}

/**
 * Seal and open small secrets with the master key.
 *
 * @example
 * ```ts
 * const box = new SecretBox(masterKey);
 * const stored = box.seal(Buffer.from(secret), 'client-secret:partner');
 * const secretAgain = box.open(stored, 'client-secret:partner'); // Buffer; fill(0) when done
 * ```
 */
export class SecretBox {
  private readonly key: Buffer;

  /** @param masterKey 32 bytes; it is not kept (a derived key is). */
  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== 32) throw new TypeError('master key must be 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', masterKey, new Uint8Array(0), KEY_INFO, 32));
  }

  /** Encrypt `plaintext` bound to `context`. */
  seal(plaintext: Uint8Array, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${VERSION}|${context}`, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${body.toString('base64url')}`;
  }

  /**
   * Decrypt a box made by {@link seal} with the same context. The caller owns the returned
   * buffer and should `fill(0)` it when done.
   * @throws SecretBoxError when the box is malformed or does not authenticate.
   */
  open(boxed: string, context: string): Buffer {
    const dot = boxed.indexOf('.');
    if (dot < 0 || boxed.slice(0, dot) !== VERSION) throw new SecretBoxError();
    const body = Buffer.from(boxed.slice(dot + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError();
    const iv = body.subarray(0, IV_BYTES);
    const tag = body.subarray(body.length - TAG_BYTES);
    const ciphertext = body.subarray(IV_BYTES, body.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${VERSION}|${context}`, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new SecretBoxError();
    }
  }

  /** Zeroize the derived key; the box is unusable afterwards. */
  destroy(): void {
    this.key.fill(0);
  }
}
