import { bufferSource, concat } from '../lib/bytes.js';
import { decodeBase64 } from '../base64.js';
import type { CryptoBackend, KeyPair, PrivateKeyHandle, SessionKey, SessionKeyHandle, SharedSecretHandle } from './types.js';

const ECDH_PARAMS: EcKeyImportParams = { name: 'ECDH', namedCurve: 'P-256' };
/** deriveBits for the byte API (vectors, servers), deriveKey for the opaque secret of clients. */
const ECDH_USAGES: KeyUsage[] = ['deriveBits', 'deriveKey'];

/**
 * DER prefix of a PKCS#8 P-256 private key without the optional public key: the 32-byte
 * scalar follows it. WebCrypto imports a scalar only through PKCS#8 or a JWK that already
 * carries X and Y, so this is the way in.
 */
const PKCS8_P256_PREFIX = new Uint8Array([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
]);

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new TypeError('WebCrypto (crypto.subtle) is not available; browsers expose it only in secure contexts');
  return s;
}

/**
 * A CryptoKey behind a handle: `destroy()` drops the reference. The key is
 * non-extractable, so even code that reached it could not export it.
 */
class WebKeyHolder {
  #key: CryptoKey | undefined;
  /** What the key is, in the error after `destroy()`. */
  protected readonly what: string = 'key';

  constructor(key: CryptoKey) {
    this.#key = key;
  }

  get destroyed(): boolean {
    return this.#key === undefined;
  }

  destroy(): void {
    this.#key = undefined;
  }

  /** @internal */
  use(): CryptoKey {
    if (this.#key === undefined) throw new TypeError(`the ${this.what} was destroyed`);
    return this.#key;
  }
}

/** A WebCrypto private key: a non-extractable CryptoKey. */
class WebPrivateKey extends WebKeyHolder implements PrivateKeyHandle {
  readonly backend = 'webcrypto';
  protected override readonly what = 'private key';
}

/** An ECDH secret as a non-extractable HKDF CryptoKey: keys can be derived from it, its bytes never read. */
class WebSharedSecret extends WebKeyHolder implements SharedSecretHandle {
  readonly backend = 'webcrypto';
  readonly kind = 'shared-secret';
}

/** A session key as a non-extractable AES-GCM CryptoKey (encrypt and decrypt only). */
class WebSessionKey extends WebKeyHolder implements SessionKeyHandle {
  readonly backend = 'webcrypto';
  readonly kind = 'session-key';
}

function ownSecret(secret: SharedSecretHandle): CryptoKey {
  if (!(secret instanceof WebSharedSecret)) throw new TypeError('the shared secret was not made by the WebCrypto backend');
  return secret.use();
}

function hkdfParams(salt: Uint8Array, info: Uint8Array): HkdfParams {
  return { name: 'HKDF', hash: 'SHA-256', salt: bufferSource(salt), info: bufferSource(info) };
}

function base64UrlToBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return decodeBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

async function exportRawPublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('raw', key));
}

async function aesKey(key: SessionKey, usage: KeyUsage): Promise<CryptoKey> {
  if (key instanceof Uint8Array) return subtle().importKey('raw', bufferSource(key), 'AES-GCM', false, [usage]);
  if (!(key instanceof WebSessionKey)) throw new TypeError('the session key was not made by the WebCrypto backend');
  return key.use();
}

async function hmacKey(key: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', bufferSource(key), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/**
 * The WebCrypto backend (`globalThis.crypto.subtle`): browsers, Deno, Bun, workers and
 * Node. Private keys are non-extractable CryptoKeys.
 *
 * @example
 * ```ts
 * import { createProtocol, webCryptoBackend } from '@idsvc/protocol/web'
 * const p = createProtocol(webCryptoBackend)
 * const { publicKey, privateKey } = await p.generateKeyPair()
 * ```
 */
export const webCryptoBackend: CryptoBackend = {
  name: 'webcrypto',

  async generateKeyPair(): Promise<KeyPair> {
    const pair = await subtle().generateKey(ECDH_PARAMS, false, ECDH_USAGES);
    return { publicKey: await exportRawPublicKey(pair.publicKey), privateKey: new WebPrivateKey(pair.privateKey) };
  },

  async importPrivateKey(scalar: Uint8Array): Promise<KeyPair> {
    const pkcs8 = concat(PKCS8_P256_PREFIX, scalar);
    try {
      // Import once, extractable, only to learn X and Y; then keep a non-extractable copy.
      const extractable = await subtle().importKey('pkcs8', bufferSource(pkcs8), ECDH_PARAMS, true, ECDH_USAGES);
      const jwk = await subtle().exportKey('jwk', extractable);
      if (jwk.x === undefined || jwk.y === undefined) throw new TypeError('the platform did not derive the public key');
      const publicKey = concat(new Uint8Array([0x04]), base64UrlToBytes(jwk.x), base64UrlToBytes(jwk.y));
      const privateKey = await subtle().importKey('jwk', jwk, ECDH_PARAMS, false, ECDH_USAGES);
      return { publicKey, privateKey: new WebPrivateKey(privateKey) };
    } finally {
      pkcs8.fill(0);
    }
  },

  async ecdh(privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    if (!(privateKey instanceof WebPrivateKey)) throw new TypeError('the private key was not made by the WebCrypto backend');
    const own = privateKey.use();
    const peer = await subtle().importKey('raw', bufferSource(peerPublicKey), ECDH_PARAMS, false, []);
    return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peer }, own, 256));
  },

  async agree(privateKey: PrivateKeyHandle, peerPublicKey: Uint8Array): Promise<SharedSecretHandle> {
    if (!(privateKey instanceof WebPrivateKey)) throw new TypeError('the private key was not made by the WebCrypto backend');
    const own = privateKey.use();
    const peer = await subtle().importKey('raw', bufferSource(peerPublicKey), ECDH_PARAMS, false, []);
    // ECDH straight into a non-extractable HKDF key: the shared secret never becomes bytes in script.
    const secret = await subtle().deriveKey({ name: 'ECDH', public: peer }, own, 'HKDF', false, ['deriveKey']);
    return new WebSharedSecret(secret);
  },

  async deriveAesKey(secret, salt, info): Promise<SessionKeyHandle> {
    const aes: AesKeyGenParams = { name: 'AES-GCM', length: 256 };
    const key = await subtle().deriveKey(hkdfParams(salt, info), ownSecret(secret), aes, false, ['encrypt', 'decrypt']);
    return new WebSessionKey(key);
  },

  async hkdfHmacVerify(secret, salt, info, data, mac): Promise<boolean> {
    if (mac.length !== 32) return false;
    const hmac: HmacImportParams = { name: 'HMAC', hash: 'SHA-256', length: 256 };
    const key = await subtle().deriveKey(hkdfParams(salt, info), ownSecret(secret), hmac, false, ['verify']);
    return subtle().verify('HMAC', key, bufferSource(mac), bufferSource(data));
  },

  async importAesKey(key): Promise<SessionKeyHandle> {
    return new WebSessionKey(await subtle().importKey('raw', bufferSource(key), 'AES-GCM', false, ['encrypt', 'decrypt']));
  },

  async hkdfSha256(ikm, salt, info, length): Promise<Uint8Array> {
    const key = await subtle().importKey('raw', bufferSource(ikm), 'HKDF', false, ['deriveBits']);
    return new Uint8Array(await subtle().deriveBits(hkdfParams(salt, info), key, length * 8));
  },

  async aesGcmSeal(key, iv, aad, plaintext): Promise<Uint8Array> {
    const params: AesGcmParams = { name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(aad), tagLength: 128 };
    return new Uint8Array(await subtle().encrypt(params, await aesKey(key, 'encrypt'), bufferSource(plaintext)));
  },

  async aesGcmOpen(key, iv, aad, sealed): Promise<Uint8Array> {
    const params: AesGcmParams = { name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(aad), tagLength: 128 };
    return new Uint8Array(await subtle().decrypt(params, await aesKey(key, 'decrypt'), bufferSource(sealed)));
  },

  async sha256(data): Promise<Uint8Array> {
    return new Uint8Array(await subtle().digest('SHA-256', bufferSource(data)));
  },

  async hmacSha256(key, data): Promise<Uint8Array> {
    return new Uint8Array(await subtle().sign('HMAC', await hmacKey(key, 'sign'), bufferSource(data)));
  },

  async hmacSha256Verify(key, data, mac): Promise<boolean> {
    // subtle.verify compares in constant time; a wrong length is public and answers at once.
    if (mac.length !== 32) return false;
    return subtle().verify('HMAC', await hmacKey(key, 'verify'), bufferSource(mac), bufferSource(data));
  },

  async es256Verify(publicKey, data, signature): Promise<boolean> {
    // WebCrypto's ECDSA signature format is r || s (IEEE P1363), the protocol's own.
    const key = await subtle().importKey('raw', bufferSource(publicKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    return subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, key, bufferSource(signature), bufferSource(data));
  },
};
