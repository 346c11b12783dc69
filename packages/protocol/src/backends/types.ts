/**
 * The one interface both crypto implementations provide. It holds only the primitives;
 * framing, validation and error mapping live once, in the operations built on top.
 */

/**
 * An opaque private key. Its material stays inside the backend (an OpenSSL ECDH object
 * or a non-extractable CryptoKey); `destroy()` drops the reference so it can no longer
 * be used, which is as close to zeroizing as those platforms allow.
 */
export interface PrivateKeyHandle {
  /** The backend that made it; a handle only works with its own backend. */
  readonly backend: string;
  /** True once {@link PrivateKeyHandle.destroy} was called. */
  readonly destroyed: boolean;
  /** Forget the key. Using the handle afterwards throws a `TypeError`. */
  destroy(): void;
}

/** An ephemeral P-256 key pair. */
export interface KeyPair {
  /** The 65-byte uncompressed point 0x04 || X || Y. */
  publicKey: Uint8Array;
  privateKey: PrivateKeyHandle;
}

/**
 * The cryptographic primitives of the protocol. Inputs are already validated by the
 * caller (lengths, on-curve points, scalar range); a backend only computes.
 */
export interface CryptoBackend {
  /** A short name for logs and benchmarks, e.g. `node` or `webcrypto`. */
  readonly name: string;
  /** A fresh P-256 key pair. */
  generateKeyPair(): Promise<KeyPair>;
  /** The key pair of a 32-byte big-endian scalar in [1, n-1]. */
  importPrivateKey(scalar: Uint8Array): Promise<KeyPair>;
  /** The 32-byte X coordinate of privateKey × peerPublicKey (a validated 65-byte point). */
  ecdh(privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Promise<Uint8Array>;
  /** HKDF-SHA256 (RFC 5869) output of `length` bytes. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** AES-256-GCM encryption with a 16-byte tag: returns ciphertext ‖ tag. */
  aesGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** AES-256-GCM decryption of ciphertext ‖ tag; rejects when it does not authenticate. */
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
  /** SHA-256 digest. */
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** HMAC-SHA256 tag. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** Whether `mac` (32 bytes) is the HMAC-SHA256 of `data`, compared in constant time. */
  hmacSha256Verify(key: Uint8Array, data: Uint8Array, mac: Uint8Array): Promise<boolean>;
  /**
   * Whether `signature` (64 bytes, r || s) is an ECDSA P-256 / SHA-256 signature of `data`
   * by the validated 65-byte public key `publicKey`.
   */
  es256Verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
}
