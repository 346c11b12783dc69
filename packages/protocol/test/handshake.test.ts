/**
 * The signed session init (docs/protocol.md section 12.1) against signed_handshake.json:
 * transcript bytes, confirmation key and MAC, and the ES256 signature, on every backend;
 * then what a client relies on: any substituted value breaks the signature and the MAC.
 */
import { createPrivateKey, type JsonWebKey as NodeJwk } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildHandshakeTranscript,
  confirmationKeyInputs,
  decodeBase64,
  decodePublicKey,
  encodeBase64,
  generateKeyPairSync,
  handshakePublicKeyFromJwk,
  HANDSHAKE_HEADERS,
  parseIdempotencyKey,
  signHandshakeSync,
  type HandshakePublicJwk,
  type HandshakeTranscriptFields,
} from '../src/index.js';
import { implementations } from './support/implementations.js';
import { hex, loadVectors, toHexString } from './support/vectors.js';

interface SignedHandshakeCase {
  clientId: string;
  clientPrivateKeyHex: string;
  serverPrivateKeyHex: string;
  requestHeaders: Record<string, string>;
  clientPublicKeyB64: string;
  serverPublicKeyB64: string;
  sessionId: string;
  kid: string;
  encAlg: string;
  expiresInSec: number;
  timestamp: string;
  nonce: string;
  subject: string | null;
  transcriptHex: string;
  sharedSecretHex: string;
  confirmSaltHex: string;
  confirmInfo: string;
  confirmationKeyHex: string;
  sessionKeyHex: string;
  confirmHex: string;
  signatureHex: string;
  handshakeKey: { privateKeyHex: string; publicJwk: HandshakePublicJwk & { kid: string } };
  responseHeaders: Record<string, string>;
}

const vectors = loadVectors<SignedHandshakeCase>('signed_handshake.json');
const cases = vectors.cases.map((c) => [c.name, c] as const);

function fieldsOf(c: SignedHandshakeCase): HandshakeTranscriptFields {
  const { timestamp, nonce } = parseIdempotencyKey(c.requestHeaders['X-Idempotency-Key'] ?? '');
  return {
    clientId: c.requestHeaders['X-ClientId'] ?? '',
    clientPublicKey: decodePublicKey(c.clientPublicKeyB64),
    serverPublicKey: decodePublicKey(c.serverPublicKeyB64),
    sessionId: c.sessionId,
    kid: c.kid,
    encAlg: c.encAlg,
    expiresInSec: c.expiresInSec,
    timestamp,
    nonce,
    subject: c.requestHeaders['X-Subject'],
  };
}

/** A node KeyObject of the vector's handshake key, from its scalar and public JWK. */
function handshakePrivateKey(c: SignedHandshakeCase) {
  const d = Buffer.from(c.handshakeKey.privateKeyHex, 'hex').toString('base64url');
  const { kty, crv, x, y } = c.handshakeKey.publicJwk;
  return createPrivateKey({ key: { kty, crv, x, y, d } as NodeJwk, format: 'jwk' });
}

describe('the signed handshake vector', () => {
  it('has an anonymous and an authenticated case', () => {
    expect(vectors.cases.map((c) => c.subject === null)).toEqual([true, false]);
  });

  it.each(cases)('%s: the transcript is the twelve length-prefixed fields, byte for byte', (_name, c) => {
    const fields = fieldsOf(c);
    expect(fields.timestamp).toBe(c.timestamp);
    expect(fields.nonce).toBe(c.nonce);
    expect(fields.subject ?? null).toBe(c.subject);
    expect(toHexString(buildHandshakeTranscript(fields))).toBe(c.transcriptHex);
  });

  it.each(cases)('%s: the headers are the base64 of the MAC and of the signature, and the kid names the JWK', (_name, c) => {
    expect(c.responseHeaders[HANDSHAKE_HEADERS.confirm]).toBe(encodeBase64(hex(c.confirmHex)));
    expect(c.responseHeaders[HANDSHAKE_HEADERS.signature]).toBe(encodeBase64(hex(c.signatureHex)));
    expect(c.responseHeaders[HANDSHAKE_HEADERS.kid]).toBe(c.handshakeKey.publicJwk.kid);
  });

  it.each(cases)('%s: the confirmation key has its own HKDF info, so it is not the session key', (_name, c) => {
    const { salt, info } = confirmationKeyInputs(c.sessionId, c.clientId);
    expect(toHexString(salt)).toBe(c.confirmSaltHex);
    expect(new TextDecoder().decode(info)).toBe(c.confirmInfo);
    expect(c.confirmationKeyHex).not.toBe(c.sessionKeyHex);
  });
});

describe.each(implementations)('%s: signed handshake', (_label, p) => {
  it.each(cases)('%s: shared secret, confirmation key and MAC reproduce; the MAC checks', async (_name, c) => {
    const client = await p.importPrivateKey(hex(c.clientPrivateKeyHex));
    const secret = await p.sharedSecret(client.privateKey, decodePublicKey(c.serverPublicKeyB64));
    expect(toHexString(secret)).toBe(c.sharedSecretHex);
    const key = await p.deriveConfirmationKey(secret, c.sessionId, c.clientId);
    expect(toHexString(key)).toBe(c.confirmationKeyHex);
    expect(toHexString(await p.deriveSessionKey(secret, c.sessionId, c.clientId))).toBe(c.sessionKeyHex);
    const transcript = hex(c.transcriptHex);
    expect(toHexString(await p.handshakeConfirmation(key, transcript))).toBe(c.confirmHex);
    expect(await p.verifyHandshakeConfirmation(key, transcript, c.responseHeaders[HANDSHAKE_HEADERS.confirm])).toBe(true);
    expect(await p.verifyHandshakeConfirmation(key, transcript, hex(c.confirmHex))).toBe(true);
  });

  it.each(cases)('%s: the signature verifies with the published JWK', async (_name, c) => {
    const transcript = hex(c.transcriptHex);
    expect(await p.verifyHandshakeSignature(c.handshakeKey.publicJwk, transcript, c.responseHeaders[HANDSHAKE_HEADERS.signature])).toBe(true);
    expect(await p.verifyHandshakeSignature(c.handshakeKey.publicJwk, transcript, hex(c.signatureHex))).toBe(true);
  });

  it.each(cases)('%s: a substituted server key (the interception the signature stops) fails both checks', async (_name, c) => {
    const attacker = generateKeyPairSync();
    const forged = buildHandshakeTranscript({ ...fieldsOf(c), serverPublicKey: attacker.publicKey });
    expect(await p.verifyHandshakeSignature(c.handshakeKey.publicJwk, forged, c.responseHeaders[HANDSHAKE_HEADERS.signature])).toBe(false);
    const key = hex(c.confirmationKeyHex);
    expect(await p.verifyHandshakeConfirmation(key, forged, c.responseHeaders[HANDSHAKE_HEADERS.confirm])).toBe(false);
  });

  it.each(cases)('%s: a changed field, another key, or a malformed header is false, never an exception', async (_name, c) => {
    const transcript = hex(c.transcriptHex);
    const sig = c.responseHeaders[HANDSHAKE_HEADERS.signature] ?? '';
    const jwk = c.handshakeKey.publicJwk;
    const base = fieldsOf(c);
    const changed: Partial<HandshakeTranscriptFields>[] = [
      { clientId: base.clientId + 'x' },
      { expiresInSec: base.expiresInSec + 1 },
      { nonce: base.nonce.replace(/.$/, '0') },
      { subject: base.subject === undefined ? 'someone' : undefined },
    ];
    for (const change of changed) {
      expect(await p.verifyHandshakeSignature(jwk, buildHandshakeTranscript({ ...base, ...change }), sig)).toBe(false);
    }
    const other = generateKeyPairSync().publicKey;
    const otherJwk = { kty: 'EC', crv: 'P-256', x: Buffer.from(other.subarray(1, 33)).toString('base64url'), y: Buffer.from(other.subarray(33)).toString('base64url') };
    expect(await p.verifyHandshakeSignature(otherJwk, transcript, sig)).toBe(false);
    const flipped = decodeBase64(sig);
    flipped[10] = (flipped[10] as number) ^ 1;
    for (const bad of [undefined, '', 'not base64', sig.slice(4), encodeBase64(flipped), new Uint8Array(64), new Uint8Array(63)]) {
      expect(await p.verifyHandshakeSignature(jwk, transcript, bad)).toBe(false);
    }
    const key = hex(c.confirmationKeyHex);
    for (const bad of [undefined, '', c.responseHeaders[HANDSHAKE_HEADERS.confirm]?.toLowerCase(), new Uint8Array(32), new Uint8Array(31)]) {
      expect(await p.verifyHandshakeConfirmation(key, transcript, bad)).toBe(false);
    }
  });

  it.each(cases)('%s: a signature made here by signHandshakeSync verifies too', async (_name, c) => {
    const transcript = hex(c.transcriptHex);
    const signature = signHandshakeSync(handshakePrivateKey(c), transcript);
    expect(decodeBase64(signature)).toHaveLength(64);
    expect(await p.verifyHandshakeSignature(c.handshakeKey.publicJwk, transcript, signature)).toBe(true);
  });
});

describe('transcript encoding', () => {
  const [, first] = cases[0]!;
  const base = fieldsOf(first);

  it('is unambiguous: moving a character between neighbouring fields changes the bytes', () => {
    const a = buildHandshakeTranscript({ ...base, timestamp: '17672255980001', nonce: '23456789abcdef0123' });
    const b = buildHandshakeTranscript({ ...base, timestamp: '1767225598000', nonce: '123456789abcdef0123' });
    expect(toHexString(a)).not.toBe(toHexString(b));
  });

  it('refuses values that have no single encoding', () => {
    expect(() => buildHandshakeTranscript({ ...base, expiresInSec: 1.5 })).toThrow(TypeError);
    expect(() => buildHandshakeTranscript({ ...base, expiresInSec: -1 })).toThrow(TypeError);
    expect(() => buildHandshakeTranscript({ ...base, subject: '' })).toThrow(TypeError);
    expect(() => buildHandshakeTranscript({ ...base, clientPublicKey: base.clientPublicKey.subarray(1) })).toThrow(TypeError);
  });

  it('takes only ES256 public JWKs on P-256', () => {
    const jwk = first.handshakeKey.publicJwk;
    expect(toHexString(handshakePublicKeyFromJwk(jwk))).toHaveLength(130);
    expect(() => handshakePublicKeyFromJwk({ ...jwk, crv: 'P-384' })).toThrow(TypeError);
    expect(() => handshakePublicKeyFromJwk({ ...jwk, alg: 'RS256' })).toThrow(TypeError);
    expect(() => handshakePublicKeyFromJwk({ ...jwk, d: first.handshakeKey.privateKeyHex })).toThrow(TypeError);
    expect(() => handshakePublicKeyFromJwk({ ...jwk, y: jwk.x })).toThrow(TypeError);
    expect(() => handshakePublicKeyFromJwk({ ...jwk, x: (jwk.x ?? '') + '=' })).toThrow(TypeError);
  });
});
