/**
 * Two rules of docs/protocol.md pinned on their own, not only through the vectors: the
 * AAD is `timestamp|nonce|kid|clientId` in that order (section 5), and the session key
 * is HKDF-SHA256 with salt = session id and info = `SESSION|A256GCM|<clientId>` (section 4).
 * Each is checked against an independent computation with node:crypto, so a change of
 * order, separator or info text breaks interoperability here first. Also: a public key
 * whose coordinate is encoded as itself plus p is refused as invalid, by every backend.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildAad, decodePublicKey, DecryptionFailedError, encodeBase64, hkdfInfo, InvalidPublicKeyError, validatePublicKey } from '../src/index.js';
import { implementations } from './support/implementations.js';

const FIELDS = { timestamp: '1717171717171', nonce: 'nonce-0123456789abcdef', kid: 'session:S-0123456789abcdef0123456789abcdef', clientId: 'dev-client' };

/** An envelope payload sealed by node:crypto directly: base64(iv || ciphertext || tag). */
function sealWithNode(key: Uint8Array, aad: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return encodeBase64(Buffer.concat([iv, body, cipher.getAuthTag()]));
}

describe('the AAD', () => {
  it('is UTF-8 of timestamp, nonce, kid and client id joined by "|", in that order', () => {
    expect(Buffer.from(buildAad(FIELDS)).toString('utf8')).toBe(`${FIELDS.timestamp}|${FIELDS.nonce}|${FIELDS.kid}|${FIELDS.clientId}`);
    expect(Buffer.from(buildAad({ ...FIELDS, clientId: 'clïent' }))).toEqual(Buffer.from(`${FIELDS.timestamp}|${FIELDS.nonce}|${FIELDS.kid}|clïent`, 'utf8'));
  });

  it.each(['timestamp', 'nonce', 'kid', 'clientId'])('refuses a %s that is not a string (JavaScript callers) with a TypeError naming it', (field) => {
    expect(() => buildAad({ ...FIELDS, [field]: 42 } as unknown as typeof FIELDS)).toThrow(new TypeError(`AAD field ${field} must be a string`));
  });

  describe.each(implementations)('%s', (_label, p) => {
    it('opens an envelope sealed elsewhere under the specified AAD', async () => {
      const key = randomBytes(32);
      const payload = sealWithNode(key, `${FIELDS.timestamp}|${FIELDS.nonce}|${FIELDS.kid}|${FIELDS.clientId}`, 'hello');
      expect(Buffer.from(await p.open(key, buildAad(FIELDS), payload)).toString('utf8')).toBe('hello');
    });

    it.each([
      ['nonce and timestamp swapped', `${FIELDS.nonce}|${FIELDS.timestamp}|${FIELDS.kid}|${FIELDS.clientId}`],
      ['kid and client id swapped', `${FIELDS.timestamp}|${FIELDS.nonce}|${FIELDS.clientId}|${FIELDS.kid}`],
      ['another separator', `${FIELDS.timestamp}.${FIELDS.nonce}.${FIELDS.kid}.${FIELDS.clientId}`],
      ['the client id left out', `${FIELDS.timestamp}|${FIELDS.nonce}|${FIELDS.kid}`],
    ])('refuses an envelope sealed under an AAD with %s', async (_what, aad) => {
      const key = randomBytes(32);
      await expect(p.open(key, buildAad(FIELDS), sealWithNode(key, aad, 'hello'))).rejects.toBeInstanceOf(DecryptionFailedError);
    });
  });
});

describe('the session key', () => {
  it('has the info text SESSION|A256GCM|<clientId>', () => {
    expect(hkdfInfo('dev-client')).toBe('SESSION|A256GCM|dev-client');
    // A JavaScript caller passing no string gets a TypeError, not a key for "undefined".
    expect(() => hkdfInfo(undefined as unknown as string)).toThrow(new TypeError('clientId must be a string'));
  });

  describe.each(implementations)('%s', (_label, p) => {
    it('is HKDF-SHA256 of the shared secret, salt = session id, info = SESSION|A256GCM|<clientId>', async () => {
      const secret = randomBytes(32);
      const sessionId = 'S-0123456789abcdef0123456789abcdef';
      const expected = Buffer.from(hkdfSync('sha256', secret, Buffer.from(sessionId), Buffer.from('SESSION|A256GCM|dev-client'), 32));
      expect(Buffer.from(await p.deriveSessionKey(secret, sessionId, 'dev-client'))).toEqual(expected);
      // Another client, or another session, with the same secret: another key.
      expect(Buffer.from(await p.deriveSessionKey(secret, sessionId, 'other-client'))).not.toEqual(expected);
      expect(Buffer.from(await p.deriveSessionKey(secret, 'S-ffffffffffffffffffffffffffffffff', 'dev-client'))).not.toEqual(expected);
    });
  });
});

describe('a public key with a coordinate encoded as itself plus p', () => {
  // X + p must fit in 32 bytes, so the point has a small X (real keys almost never do).
  const SMALL_X_POINT = smallXPoint();

  it('is refused by the validator and by decodePublicKey with InvalidPublicKeyError', () => {
    expect(() => validatePublicKey(SMALL_X_POINT.plusP)).toThrow(InvalidPublicKeyError);
    expect(() => decodePublicKey(encodeBase64(SMALL_X_POINT.plusP))).toThrow(InvalidPublicKeyError);
    // The same point, canonically encoded, is fine: only the encoding is wrong.
    expect(validatePublicKey(SMALL_X_POINT.canonical)).toEqual(SMALL_X_POINT.canonical);
  });

  describe.each(implementations)('%s', (_label, p) => {
    it('refuses it for ECDH with InvalidPublicKeyError, not a raw crypto error', async () => {
      const { privateKey } = await p.generateKeyPair();
      await expect(p.sharedSecret(privateKey, SMALL_X_POINT.plusP)).rejects.toBeInstanceOf(InvalidPublicKeyError);
      expect(await p.sharedSecret(privateKey, SMALL_X_POINT.canonical)).toHaveLength(32);
    });
  });
});

/**
 * A point of P-256 with a small X (so that X + p still fits in 32 bytes), found by trying
 * X = 1, 2, 3, ... and solving y^2 = x^3 - 3x + b mod p (p = 3 mod 4, so y = rhs^((p+1)/4)).
 */
function smallXPoint(): { canonical: Uint8Array; plusP: Uint8Array } {
  const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
  const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
  const pow = (base: bigint, exp: bigint): bigint => {
    let result = 1n;
    let b = base % P;
    for (let e = exp; e > 0n; e >>= 1n) {
      if (e & 1n) result = (result * b) % P;
      b = (b * b) % P;
    }
    return result;
  };
  const bytes = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
  for (let x = 1n; ; x++) {
    const rhs = (((x * x * x - 3n * x + B) % P) + P) % P;
    const y = pow(rhs, (P + 1n) / 4n);
    if ((y * y) % P !== rhs) continue;
    return {
      canonical: Uint8Array.from(Buffer.concat([Buffer.from([4]), bytes(x), bytes(y)])),
      plusP: Uint8Array.from(Buffer.concat([Buffer.from([4]), bytes(x + P), bytes(y)])),
    };
  }
}
