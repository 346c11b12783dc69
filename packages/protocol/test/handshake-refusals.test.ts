/**
 * The handshake helpers a client calls to check a signed session init: what they refuse
 * as programmer mistakes (TypeError, with a message naming the field) and what they
 * answer `false` to (anything a server or an attacker could send).
 */
import { describe, expect, it } from 'vitest';
import {
  buildHandshakeTranscript,
  confirmationKeyInputs,
  encodeBase64,
  generateKeyPairSync,
  handshakePublicKeyFromJwk,
  newSessionId,
  type HandshakePublicJwk,
  type HandshakeTranscriptFields,
} from '../src/index.js';
import { implementations } from './support/implementations.js';

const pair = generateKeyPairSync();
const other = generateKeyPairSync();
const sessionId = newSessionId();
const base: HandshakeTranscriptFields = {
  clientId: 'client-a',
  clientPublicKey: pair.publicKey,
  serverPublicKey: other.publicKey,
  sessionId,
  kid: `session:${sessionId}`,
  encAlg: 'A256GCM',
  expiresInSec: 900,
  timestamp: '1767225598000',
  nonce: '0123456789abcdef0123',
};

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
const jwk: HandshakePublicJwk = { kty: 'EC', crv: 'P-256', x: b64url(pair.publicKey.subarray(1, 33)), y: b64url(pair.publicKey.subarray(33)) };

describe('transcript fields', () => {
  it('names the field that is not a string', () => {
    for (const name of ['clientId', 'sessionId', 'kid', 'encAlg', 'timestamp', 'nonce'] as const) {
      expect(() => buildHandshakeTranscript({ ...base, [name]: 1 } as unknown as HandshakeTranscriptFields)).toThrow(
        new TypeError(`transcript field ${name} must be a string`),
      );
    }
  });

  it('names a bad lifetime or subject', () => {
    for (const expiresInSec of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => buildHandshakeTranscript({ ...base, expiresInSec })).toThrow(new TypeError('transcript field expiresInSec must be a non-negative integer'));
    }
    for (const subject of ['', 5]) {
      expect(() => buildHandshakeTranscript({ ...base, subject } as unknown as HandshakeTranscriptFields)).toThrow(
        new TypeError('transcript field subject must be a non-empty string when present'),
      );
    }
    expect(() => buildHandshakeTranscript({ ...base, serverPublicKey: other.publicKey.subarray(0, 64) })).toThrow(
      new TypeError('serverPublicKey must be 65 bytes, got 64'),
    );
  });

  it('a lifetime of zero and an explicit undefined subject are valid; undefined is the anonymous encoding', () => {
    expect(buildHandshakeTranscript({ ...base, expiresInSec: 0 }).length).toBeGreaterThan(0);
    expect(buildHandshakeTranscript({ ...base, subject: undefined })).toEqual(buildHandshakeTranscript(base));
    const anon = new TextDecoder().decode(buildHandshakeTranscript(base));
    expect(anon).toContain('anonymous');
    expect(new TextDecoder().decode(buildHandshakeTranscript({ ...base, subject: 'alice' }))).toContain('authenticated');
  });
});

describe('confirmation key inputs', () => {
  it('refuses a session id or client id that is not a string, naming it', () => {
    expect(() => confirmationKeyInputs(1 as unknown as string, 'c')).toThrow(new TypeError('sessionId must be a string'));
    expect(() => confirmationKeyInputs('s', undefined as unknown as string)).toThrow(new TypeError('clientId must be a string'));
  });
});

describe('handshake JWKs', () => {
  it('says what is wrong with a JWK', () => {
    expect(() => handshakePublicKeyFromJwk(null as unknown as HandshakePublicJwk)).toThrow(new TypeError('JWK must be an object'));
    expect(() => handshakePublicKeyFromJwk('jwk' as unknown as HandshakePublicJwk)).toThrow(new TypeError('JWK must be an object'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, kty: 'OKP' })).toThrow(new TypeError('JWK must be kty EC on crv P-256'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, crv: 'P-384' })).toThrow(new TypeError('JWK must be kty EC on crv P-256'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, alg: 'ES384' })).toThrow(new TypeError('JWK alg must be ES256'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, d: 'x' })).toThrow(new TypeError('JWK must be a public key (it has d)'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, x: undefined })).toThrow(new TypeError('JWK x must be 43 base64url characters'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, y: (jwk.y ?? '').slice(1) })).toThrow(new TypeError('JWK y must be 43 base64url characters'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, y: `${(jwk.y ?? '').slice(1)}+` })).toThrow(new TypeError('JWK y must be 43 base64url characters'));
    // 43 characters whose last one carries bits beyond the 32 bytes: two encodings of one key.
    expect(() => handshakePublicKeyFromJwk({ ...jwk, x: `${'A'.repeat(42)}B` })).toThrow(new TypeError('JWK x is not canonical base64url'));
    expect(() => handshakePublicKeyFromJwk({ ...jwk, y: jwk.x })).toThrow(new TypeError('JWK is not a P-256 point: point not on the curve'));
  });

  it('accepts alg ES256 and base64url characters - and _', () => {
    expect(handshakePublicKeyFromJwk({ ...jwk, alg: 'ES256' })).toEqual(pair.publicKey);
    // Coordinates that use both URL-safe characters, so the translation to base64 is exercised.
    const coordinates = (key: Uint8Array) => `${b64url(key.subarray(1, 33))}${b64url(key.subarray(33))}`;
    let k = generateKeyPairSync().publicKey;
    while (!/-/.test(coordinates(k)) || !/_/.test(coordinates(k))) k = generateKeyPairSync().publicKey;
    const x = b64url(k.subarray(1, 33));
    const y = b64url(k.subarray(33));
    expect(`${x}${y}`).toMatch(/-.*_|_.*-/);
    expect(handshakePublicKeyFromJwk({ kty: 'EC', crv: 'P-256', x, y })).toEqual(k);
  });
});

describe.each(implementations)('%s: malformed handshake headers are false', (_label, p) => {
  it('a confirmation of the wrong size or alphabet is false; the right one is true', async () => {
    const transcript = buildHandshakeTranscript(base);
    const key = new Uint8Array(32).fill(9);
    const mac = await p.handshakeConfirmation(key, transcript);
    const good = encodeBase64(mac);
    expect(good).toHaveLength(44);
    expect(await p.verifyHandshakeConfirmation(key, transcript, good)).toBe(true);
    for (const bad of [good.slice(0, 43), `${good}A`, `${good.slice(0, 42)}!=`, `${good.slice(0, 40)}AAAA`]) {
      expect(await p.verifyHandshakeConfirmation(key, transcript, bad)).toBe(false);
    }
    await expect(p.handshakeConfirmation(new Uint8Array(31), transcript)).rejects.toThrow(new TypeError('confirmation key must be 32 bytes, got 31'));
    await expect(p.verifyHandshakeConfirmation(new Uint8Array(33), transcript, good)).rejects.toThrow(
      new TypeError('confirmation key must be 32 bytes, got 33'),
    );
    await expect(p.deriveConfirmationKey(new Uint8Array(31), sessionId, 'c')).rejects.toThrow(new TypeError('shared secret must be 32 bytes, got 31'));
  });

  it('a signature of the wrong length or alphabet is false', async () => {
    const transcript = buildHandshakeTranscript(base);
    const sig88 = encodeBase64(new Uint8Array(64).fill(1));
    expect(sig88).toHaveLength(88);
    for (const bad of [sig88, sig88.slice(0, 87), `${sig88.slice(0, 86)}!=`, new Uint8Array(65), 64]) {
      expect(await p.verifyHandshakeSignature(jwk, transcript, bad as string)).toBe(false);
    }
  });

  it('confirmHandshake from an opaque secret: false for a malformed or wrong MAC, true for the right one', async () => {
    const client = await p.generateKeyPair();
    const server = await p.generateKeyPair();
    const secret = await p.agree(client.privateKey, server.publicKey);
    const bytes = await p.sharedSecret(server.privateKey, client.publicKey);
    const transcript = buildHandshakeTranscript(base);
    const mac = await p.handshakeConfirmation(await p.deriveConfirmationKey(bytes, sessionId, 'client-a'), transcript);
    expect(await p.confirmHandshake(secret, sessionId, 'client-a', transcript, mac)).toBe(true);
    expect(await p.confirmHandshake(secret, sessionId, 'client-a', transcript, encodeBase64(mac))).toBe(true);
    expect(await p.confirmHandshake(secret, sessionId, 'client-b', transcript, mac)).toBe(false);
    for (const bad of [undefined, mac.subarray(0, 31), encodeBase64(mac).slice(0, 43), `${encodeBase64(mac).slice(0, 42)}!=`]) {
      expect(await p.confirmHandshake(secret, sessionId, 'client-a', transcript, bad)).toBe(false);
    }
  });
});
