/**
 * Synchronous node:crypto primitives. The async {@link nodeBackend} and the `*Sync`
 * functions both run on these, so there is one implementation of each operation.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPublicKey,
  hkdfSync,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type ECDH,
  type KeyObject,
} from 'node:crypto';
import type { KeyPair, PrivateKeyHandle, SessionKey, SessionKeyHandle, SharedSecretHandle } from './types.js';

const CURVE = 'prime256v1';

/**
 * Copy a Buffer into a plain Uint8Array and wipe the Buffer. Small Buffers live in a
 * shared pool; handing out a view of it would expose neighbouring bytes through `.buffer`.
 */
function detach(buffer: Buffer): Uint8Array {
  const out = new Uint8Array(buffer);
  buffer.fill(0);
  return out;
}

/**
 * A node private key. It keeps the OpenSSL ECDH object: measured, computing the secret on
 * the object that made the key is faster than re-importing the scalar, and no copy of the
 * scalar ever sits in the JavaScript heap.
 */
class NodePrivateKey implements PrivateKeyHandle {
  readonly backend = 'node';
  #ecdh: ECDH | undefined;

  constructor(ecdh: ECDH) {
    this.#ecdh = ecdh;
  }

  get destroyed(): boolean {
    return this.#ecdh === undefined;
  }

  destroy(): void {
    this.#ecdh = undefined;
  }

  /** @internal */
  use(): ECDH {
    if (this.#ecdh === undefined) throw new TypeError('the private key was destroyed');
    return this.#ecdh;
  }
}

/**
 * The bytes behind node's secret and session-key handles. Module-private, so the handles
 * carry no property or method that returns them: only the primitives below can read them.
 */
const material = new WeakMap<object, Uint8Array>();

function bytesOf(handle: object, what: string): Uint8Array {
  const bytes = material.get(handle);
  if (bytes === undefined) throw new TypeError(`the ${what} was destroyed`);
  return bytes;
}

function forget(handle: object): void {
  material.get(handle)?.fill(0);
  material.delete(handle);
}

/** Key bytes held by the node backend, out of reach of any getter; `destroy()` overwrites them. */
class NodeKeyMaterial {
  readonly backend = 'node';

  constructor(bytes: Uint8Array) {
    material.set(this, bytes);
  }

  get destroyed(): boolean {
    return !material.has(this);
  }

  destroy(): void {
    forget(this);
  }
}

/** An ECDH secret held by the node backend. */
class NodeSharedSecret extends NodeKeyMaterial implements SharedSecretHandle {
  readonly kind = 'shared-secret';
}

/** A session key held by the node backend. */
class NodeSessionKey extends NodeKeyMaterial implements SessionKeyHandle {
  readonly kind = 'session-key';
}

/** ECDH into an opaque secret. */
export function agreeNode(privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): SharedSecretHandle {
  return new NodeSharedSecret(ecdhNode(privateKey, peerPublicKey));
}

function secretBytes(secret: SharedSecretHandle): Uint8Array {
  if (!(secret instanceof NodeSharedSecret)) throw new TypeError('the shared secret was not made by the node backend');
  return bytesOf(secret, 'shared secret');
}

/** HKDF of an opaque secret into an opaque AES-256 key. */
export function deriveAesKeyNode(secret: SharedSecretHandle, salt: Uint8Array, info: Uint8Array): SessionKeyHandle {
  return new NodeSessionKey(hkdfSha256Node(secretBytes(secret), salt, info, 32));
}

/** HMAC-SHA256 check under a key derived from an opaque secret; the derived key is wiped after use. */
export function hkdfHmacVerifyNode(secret: SharedSecretHandle, salt: Uint8Array, info: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean {
  const key = hkdfSha256Node(secretBytes(secret), salt, info, 32);
  try {
    return hmacSha256VerifyNode(key, data, mac);
  } finally {
    key.fill(0);
  }
}

/** A node session-key handle on a copy of 32 known bytes. */
export function importAesKeyNode(key: Uint8Array): SessionKeyHandle {
  return new NodeSessionKey(new Uint8Array(key));
}

/** The raw bytes of a session key given as bytes or as a node handle. */
function aesKeyBytes(key: SessionKey): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (!(key instanceof NodeSessionKey)) throw new TypeError('the session key was not made by the node backend');
  return bytesOf(key, 'session key');
}

/** A fresh P-256 key pair. */
export function generateKeyPairNode(): KeyPair {
  const ecdh = createECDH(CURVE);
  const publicKey = detach(ecdh.generateKeys());
  return { publicKey, privateKey: new NodePrivateKey(ecdh) };
}

/** The key pair of a validated scalar. */
export function importPrivateKeyNode(scalar: Uint8Array): KeyPair {
  const ecdh = createECDH(CURVE);
  ecdh.setPrivateKey(scalar);
  return { publicKey: detach(ecdh.getPublicKey()), privateKey: new NodePrivateKey(ecdh) };
}

/** ECDH with a validated peer point: the 32-byte X coordinate. */
export function ecdhNode(privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Uint8Array {
  if (!(privateKey instanceof NodePrivateKey)) throw new TypeError('the private key was not made by the node backend');
  return detach(privateKey.use().computeSecret(peerPublicKey));
}

/** HKDF-SHA256. */
export function hkdfSha256Node(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

/** AES-256-GCM seal: ciphertext ‖ tag, as one Buffer (callers encode or copy it). */
export function aesGcmSealNode(key: SessionKey, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', aesKeyBytes(key), iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, tail, cipher.getAuthTag()]);
}

/** AES-256-GCM open of ciphertext ‖ tag; throws when it does not authenticate. */
export function aesGcmOpenNode(key: SessionKey, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  const tagStart = sealed.length - 16;
  const decipher = createDecipheriv('aes-256-gcm', aesKeyBytes(key), iv, { authTagLength: 16 });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(tagStart));
  const head = decipher.update(sealed.subarray(0, tagStart));
  const tail = decipher.final();
  return detach(tail.length === 0 ? head : Buffer.concat([head, tail]));
}

/** SHA-256. */
export function sha256Node(data: Uint8Array): Uint8Array {
  return detach(createHash('sha256').update(data).digest());
}

/** HMAC-SHA256. */
export function hmacSha256Node(key: Uint8Array, data: Uint8Array): Uint8Array {
  return detach(createHmac('sha256', key).update(data).digest());
}

/** Constant-time HMAC-SHA256 check over equal-length digests. */
export function hmacSha256VerifyNode(key: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean {
  const expected = createHmac('sha256', key).update(data).digest();
  // timingSafeEqual needs equal lengths; a length mismatch is public information anyway.
  const ok = mac.length === expected.length && timingSafeEqual(expected, mac);
  expected.fill(0);
  return ok;
}

/** DER prefix of a SubjectPublicKeyInfo for an uncompressed P-256 point; the 65 bytes follow. */
const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** ECDSA P-256 / SHA-256 check of an r || s signature by a validated 65-byte public key. */
export function es256VerifyNode(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_P256_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

/** ECDSA P-256 / SHA-256 signature, r || s (64 bytes), by a P-256 private KeyObject. */
export function es256SignNode(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('the handshake key must be a P-256 private KeyObject');
  }
  return new Uint8Array(nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}
