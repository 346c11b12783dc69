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

/**
 * An opaque ECDH shared secret: the input keying material of every HKDF derivation of
 * one handshake. The WebCrypto backend keeps it as a non-extractable HKDF `CryptoKey`, so
 * script can derive keys from it but never read it; the node backend keeps the bytes out
 * of reach and overwrites them on `destroy()`.
 */
export interface SharedSecretHandle {
  readonly backend: string;
  readonly kind: 'shared-secret';
  /** True once {@link SharedSecretHandle.destroy} was called. */
  readonly destroyed: boolean;
  /** Forget (node: overwrite) the secret. Using the handle afterwards throws a `TypeError`. */
  destroy(): void;
}

/**
 * An opaque AES-256-GCM session key. On WebCrypto it is a non-extractable `CryptoKey`
 * (usages encrypt and decrypt only); on node the 32 bytes sit behind the handle, which has
 * no way to hand them out. `destroy()` drops (node: zeroizes) them.
 */
export interface SessionKeyHandle {
  readonly backend: string;
  readonly kind: 'session-key';
  /** True once {@link SessionKeyHandle.destroy} was called. */
  readonly destroyed: boolean;
  /** Forget (node: overwrite) the key. Using the handle afterwards throws a `TypeError`. */
  destroy(): void;
}

/**
 * A session key as the envelope operations take it: the 32 raw bytes (servers, vectors,
 * tooling) or a handle made by the same backend (clients that never see the bytes).
 */
export type SessionKey = Uint8Array | SessionKeyHandle;

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
  /** ECDH of privateKey × peerPublicKey (a validated 65-byte point), kept opaque. */
  agree(privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Promise<SharedSecretHandle>;
  /** HKDF-SHA256 of an opaque secret into an opaque AES-256-GCM key. */
  deriveAesKey(secret: SharedSecretHandle, salt: Uint8Array, info: Uint8Array): Promise<SessionKeyHandle>;
  /**
   * Whether `mac` (32 bytes) is the HMAC-SHA256 of `data` under the 32-byte key
   * HKDF-SHA256(secret, salt, info), compared in constant time; the MAC key never leaves the backend.
   */
  hkdfHmacVerify(secret: SharedSecretHandle, salt: Uint8Array, info: Uint8Array, data: Uint8Array, mac: Uint8Array): Promise<boolean>;
  /** A handle on 32 known key bytes (tooling and tests); the caller keeps and zeroizes its copy. */
  importAesKey(key: Uint8Array): Promise<SessionKeyHandle>;
  /** HKDF-SHA256 (RFC 5869) output of `length` bytes. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** AES-256-GCM encryption with a 16-byte tag: returns ciphertext ‖ tag. */
  aesGcmSeal(key: SessionKey, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** AES-256-GCM decryption of ciphertext ‖ tag; rejects when it does not authenticate. */
  aesGcmOpen(key: SessionKey, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
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
