/**
 * Every positive case of the test vectors (made independently with PyCA `cryptography`),
 * byte for byte, on the node backend, the WebCrypto backend and the synchronous functions.
 */
import { describe, expect, it } from 'vitest';
import { buildAad, decodeBase64, decodePublicKey, encodeBase64, hkdfInfo, kidFromSessionId, parseEnvelope, parseIdempotencyKey, sessionIdFromKid, stringToSign } from '../src/index.js';
import { implementations } from './support/implementations.js';
import { hex, loadVectors, text, toHexString, utf8, vectorFileNames } from './support/vectors.js';

interface PublicKeyCase { privateKeyHex: string; publicKeyHex: string; publicKeyB64: string }
interface EcdhCase { privateKeyHex: string; publicKeyB64: string; peerPrivateKeyHex: string; peerPublicKeyB64: string; sharedSecretHex: string }
interface HkdfCase { sharedSecretHex: string; sessionId: string; clientId: string; saltHex: string; info: string; sessionKeyHex: string }
interface AadCase { idempotencyKey: string; timestamp: string; nonce: string; kid: string; clientId: string; aad: string; aadHex: string }
interface GcmCase { keyHex: string; ivHex: string; aad: string; plaintext: string; plaintextHex: string; ciphertextHex: string; tagHex: string; payloadB64: string }
interface HmacCase { clientSecret: string; method: string; path: string; idempotencyKey: string; timestamp: string; nonce: string; body: string; bodyHashHex: string; stringToSign: string; signatureHex: string }
interface Message { headers: Record<string, string>; aad: string; ivHex: string; plaintext: string; payloadB64: string }
interface ChainCase {
  clientId: string;
  clientPrivateKeyHex: string;
  serverPrivateKeyHex: string;
  sessionInit: {
    requestHeaders: Record<string, string>;
    requestBody: { clientPublicKey: string };
    responseHeaders: Record<string, string>;
    responseBody: { sessionId: string; serverPublicKey: string; encAlg: string; expiresInSec: number };
  };
  sharedSecretHex: string;
  sessionKeyHex: string;
  request: Message & { path: string };
  response: Message & { status: number };
}

const publicKeys = loadVectors<PublicKeyCase>('p256_public_keys.json');
const ecdh = loadVectors<EcdhCase>('ecdh.json');
const hkdf = loadVectors<HkdfCase>('hkdf.json');
const aad = loadVectors<AadCase>('aad.json');
const gcm = loadVectors<GcmCase>('aes_gcm.json');
const hmac = loadVectors<HmacCase>('hmac.json');
const chain = loadVectors<ChainCase>('session_chain.json');

describe('the vector files', () => {
  it('are all covered by this suite', () => {
    // A new vector file must get a test; failing here says which one.
    expect(vectorFileNames()).toEqual([
      'aad.json',
      'aes_gcm.json',
      'ecdh.json',
      'hkdf.json',
      'hmac.json',
      'negative.json',
      'p256_public_keys.json',
      'session_chain.json',
      'signed_handshake.json',
    ]);
  });

  it('each have cases', () => {
    for (const file of [publicKeys, ecdh, hkdf, aad, gcm, hmac, chain]) expect(file.cases.length).toBeGreaterThan(0);
  });
});

describe('pure wire functions reproduce the vectors', () => {
  it.each(aad.cases.map((c) => [c.name, c] as const))('AAD %s: the idempotency key splits on its first "." and the AAD is ts|nonce|kid|clientId', (_name, c) => {
    const { timestamp, nonce } = parseIdempotencyKey(c.idempotencyKey);
    expect(timestamp).toBe(c.timestamp);
    expect(nonce).toBe(c.nonce);
    const bytes = buildAad({ timestamp, nonce, kid: c.kid, clientId: c.clientId });
    expect(toHexString(bytes)).toBe(c.aadHex);
    expect(text(bytes)).toBe(c.aad);
  });

  it.each(hkdf.cases.map((c) => [c.name, c] as const))('HKDF info and salt %s', (_name, c) => {
    expect(hkdfInfo(c.clientId)).toBe(c.info);
    expect(toHexString(utf8(c.sessionId))).toBe(c.saltHex);
  });

  it.each(hmac.cases.map((c) => [c.name, c] as const))('string to sign %s: POST, the route path, timestamp, nonce, body hash', (_name, c) => {
    const { timestamp, nonce } = parseIdempotencyKey(c.idempotencyKey);
    expect(stringToSign({ method: c.method, path: c.path, timestamp, nonce, bodyHashHex: c.bodyHashHex })).toBe(c.stringToSign);
    // The defaults are the only method and path the protocol signs.
    expect(stringToSign({ timestamp, nonce, bodyHashHex: c.bodyHashHex })).toBe(c.stringToSign);
  });

  it.each(publicKeys.cases.map((c) => [c.name, c] as const))('public key %s decodes from base64 to the 65 bytes and back', (_name, c) => {
    const bytes = decodePublicKey(c.publicKeyB64);
    expect(toHexString(bytes)).toBe(c.publicKeyHex);
    expect(encodeBase64(bytes)).toBe(c.publicKeyB64);
  });

  it.each(gcm.cases.map((c) => [c.name, c] as const))('envelope %s: the payload is IV || ciphertext || tag', (_name, c) => {
    const raw = parseEnvelope(JSON.parse(JSON.stringify({ payload: c.payloadB64 })));
    expect(toHexString(raw)).toBe(c.ivHex + c.ciphertextHex + c.tagHex);
    expect(toHexString(utf8(c.plaintext))).toBe(c.plaintextHex);
  });
});

describe.each(implementations)('%s reproduces the vectors', (_label, p) => {
  it.each(publicKeys.cases.map((c) => [c.name, c] as const))('P-256 scalar → public key: %s', async (_name, c) => {
    const { publicKey, privateKey } = await p.importPrivateKey(hex(c.privateKeyHex));
    expect(toHexString(publicKey)).toBe(c.publicKeyHex);
    expect(encodeBase64(publicKey)).toBe(c.publicKeyB64);
    privateKey.destroy();
  });

  it.each(ecdh.cases.map((c) => [c.name, c] as const))('ECDH gives the same 32-byte secret from both sides: %s', async (_name, c) => {
    const own = await p.importPrivateKey(hex(c.privateKeyHex));
    const peer = await p.importPrivateKey(hex(c.peerPrivateKeyHex));
    expect(encodeBase64(own.publicKey)).toBe(c.publicKeyB64);
    expect(encodeBase64(peer.publicKey)).toBe(c.peerPublicKeyB64);
    const mine = await p.sharedSecret(own.privateKey, decodePublicKey(c.peerPublicKeyB64));
    const theirs = await p.sharedSecret(peer.privateKey, decodePublicKey(c.publicKeyB64));
    expect(mine).toHaveLength(32);
    expect(toHexString(mine)).toBe(c.sharedSecretHex);
    expect(toHexString(theirs)).toBe(c.sharedSecretHex);
  });

  it.each(hkdf.cases.map((c) => [c.name, c] as const))('HKDF-SHA256 session key: %s', async (_name, c) => {
    const key = await p.deriveSessionKey(hex(c.sharedSecretHex), c.sessionId, c.clientId);
    expect(toHexString(key)).toBe(c.sessionKeyHex);
  });

  it.each(gcm.cases.map((c) => [c.name, c] as const))('AES-256-GCM with the given IV seals to the payload, and opens back: %s', async (_name, c) => {
    const key = hex(c.keyHex);
    const additional = utf8(c.aad);
    expect(await p.seal(key, additional, c.plaintext, hex(c.ivHex))).toBe(c.payloadB64);
    expect(await p.seal(key, additional, hex(c.plaintextHex), hex(c.ivHex))).toBe(c.payloadB64);
    expect(toHexString(await p.open(key, additional, c.payloadB64))).toBe(c.plaintextHex);
    expect(text(await p.open(key, additional, decodeBase64(c.payloadB64)))).toBe(c.plaintext);
  });

  it.each(hmac.cases.map((c) => [c.name, c] as const))('HMAC signature over the exact body bytes: %s', async (_name, c) => {
    const { timestamp, nonce } = parseIdempotencyKey(c.idempotencyKey);
    expect(await p.sha256Hex(c.body)).toBe(c.bodyHashHex);
    expect(await p.sign({ secret: c.clientSecret, timestamp, nonce, body: c.body })).toBe(c.signatureHex);
    expect(await p.sign({ secret: utf8(c.clientSecret), timestamp, nonce, body: utf8(c.body) })).toBe(c.signatureHex);
    expect(await p.verifySignature({ secret: c.clientSecret, timestamp, nonce, body: c.body, signature: c.signatureHex })).toBe(true);
  });

  it.each(chain.cases.map((c) => [c.name, c] as const))('a whole session, init to encrypted response: %s', async (_name, c) => {
    const init = c.sessionInit;
    // The client sends its public key; the server answers with its own and a session id.
    const client = await p.importPrivateKey(hex(c.clientPrivateKeyHex));
    const server = await p.importPrivateKey(hex(c.serverPrivateKeyHex));
    expect(encodeBase64(client.publicKey)).toBe(init.requestBody.clientPublicKey);
    expect(encodeBase64(server.publicKey)).toBe(init.responseBody.serverPublicKey);
    const { sessionId } = init.responseBody;
    const kid = kidFromSessionId(sessionId);
    expect(kid).toBe(init.responseHeaders['X-Kid']);
    expect(sessionIdFromKid(kid)).toBe(sessionId);
    parseIdempotencyKey(init.requestHeaders['X-Idempotency-Key'] ?? '');

    // Both sides derive the same key.
    const serverSecret = await p.sharedSecret(server.privateKey, decodePublicKey(init.requestBody.clientPublicKey));
    const clientSecret = await p.sharedSecret(client.privateKey, decodePublicKey(init.responseBody.serverPublicKey));
    expect(toHexString(serverSecret)).toBe(c.sharedSecretHex);
    expect(toHexString(clientSecret)).toBe(c.sharedSecretHex);
    const serverKey = await p.deriveSessionKey(serverSecret, sessionId, c.clientId);
    const clientKey = await p.deriveSessionKey(clientSecret, sessionId, c.clientId);
    expect(toHexString(serverKey)).toBe(c.sessionKeyHex);
    expect(toHexString(clientKey)).toBe(c.sessionKeyHex);

    // Each message's AAD comes from its own headers and the client id.
    for (const message of [c.request, c.response]) {
      const headerKid = message.headers['X-Kid'] ?? '';
      expect(sessionIdFromKid(headerKid)).toBe(sessionId);
      const { timestamp, nonce } = parseIdempotencyKey(message.headers['X-Idempotency-Key'] ?? '');
      const additional = buildAad({ timestamp, nonce, kid: headerKid, clientId: c.clientId });
      expect(text(additional)).toBe(message.aad);
      const sender = message === c.request ? clientKey : serverKey;
      const receiver = message === c.request ? serverKey : clientKey;
      expect(await p.seal(sender, additional, message.plaintext, hex(message.ivHex))).toBe(message.payloadB64);
      const body = JSON.parse(JSON.stringify({ payload: message.payloadB64 })) as unknown;
      expect(text(await p.open(receiver, additional, parseEnvelope(body)))).toBe(message.plaintext);
    }
  });
});
