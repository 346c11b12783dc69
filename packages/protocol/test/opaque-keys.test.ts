/**
 * The opaque key path clients use (ECDH → HKDF → AES-GCM without the secret or the key
 * ever becoming bytes in script): it reproduces the session-chain vector byte for byte on
 * every backend, interoperates with the byte path servers use, and its handles refuse use
 * after destroy() and across backends.
 */
import { describe, expect, it } from 'vitest';
import {
  buildAad,
  createProtocol,
  decodePublicKey,
  encodeBase64,
  newSessionId,
  nodeBackend,
  parseEnvelope,
  parseIdempotencyKey,
  webCryptoBackend,
} from '../src/index.js';
import { implementations } from './support/implementations.js';
import { hex, loadVectors, text, utf8 } from './support/vectors.js';

interface Message { headers: Record<string, string>; aad: string; ivHex: string; plaintext: string; payloadB64: string }
interface ChainCase {
  clientId: string;
  clientPrivateKeyHex: string;
  serverPrivateKeyHex: string;
  sessionInit: { responseBody: { sessionId: string; serverPublicKey: string } };
  sharedSecretHex: string;
  request: Message;
  response: Message;
}

interface SignedCase {
  name: string;
  clientId: string;
  clientPrivateKeyHex: string;
  serverPublicKeyB64: string;
  sessionId: string;
  transcriptHex: string;
  confirmHex: string;
}

const chain = loadVectors<ChainCase>('session_chain.json');
const signed = loadVectors<SignedCase>('signed_handshake.json');
const clientId = 'dev-client';

describe.each(implementations)('%s', (_label, p) => {
  it.each(chain.cases.map((c) => [c.name, c] as const))('the opaque key of the session-chain vector seals and opens its messages: %s', async (_name, c) => {
    const client = await p.importPrivateKey(hex(c.clientPrivateKeyHex));
    const secret = await p.agree(client.privateKey, decodePublicKey(c.sessionInit.responseBody.serverPublicKey));
    const key = await p.sessionKey(secret, c.sessionInit.responseBody.sessionId, c.clientId);
    secret.destroy();
    for (const message of [c.request, c.response]) {
      const { timestamp, nonce } = parseIdempotencyKey(message.headers['X-Idempotency-Key'] ?? '');
      const aad = buildAad({ timestamp, nonce, kid: message.headers['X-Kid'] ?? '', clientId: c.clientId });
      expect(await p.seal(key, aad, message.plaintext, hex(message.ivHex))).toBe(message.payloadB64);
      expect(text(await p.open(key, aad, parseEnvelope({ payload: message.payloadB64 })))).toBe(message.plaintext);
    }
    key.destroy();
  });

  it.each(signed.cases.map((c) => [c.name, c] as const))('the key confirmation of the signed-handshake vector checks out from the opaque secret: %s', async (_name, c) => {
    const client = await p.importPrivateKey(hex(c.clientPrivateKeyHex));
    const secret = await p.agree(client.privateKey, decodePublicKey(c.serverPublicKeyB64));
    const transcript = hex(c.transcriptHex);
    const mac = hex(c.confirmHex);
    expect(await p.confirmHandshake(secret, c.sessionId, c.clientId, transcript, mac)).toBe(true);
    expect(await p.confirmHandshake(secret, c.sessionId, c.clientId, transcript, encodeBase64(mac))).toBe(true);
    // Another client id, session or transcript: another key or message, no match.
    expect(await p.confirmHandshake(secret, c.sessionId, `${c.clientId}x`, transcript, mac)).toBe(false);
    expect(await p.confirmHandshake(secret, `S-${'0'.repeat(32)}`, c.clientId, transcript, mac)).toBe(false);
    const altered = new Uint8Array(transcript);
    altered[altered.length - 1]! ^= 1;
    expect(await p.confirmHandshake(secret, c.sessionId, c.clientId, altered, mac)).toBe(false);
    // Missing or malformed headers are a plain no.
    expect(await p.confirmHandshake(secret, c.sessionId, c.clientId, transcript, undefined)).toBe(false);
    expect(await p.confirmHandshake(secret, c.sessionId, c.clientId, transcript, 'not base64')).toBe(false);
    secret.destroy();
  });

  it('a client holding handles and a server holding bytes talk to each other', async () => {
    const client = await p.generateKeyPair();
    const server = await p.generateKeyPair();
    const sessionId = newSessionId();
    const clientKey = await p.sessionKey(await p.agree(client.privateKey, server.publicKey), sessionId, clientId);
    const serverKey = await p.deriveSessionKey(await p.sharedSecret(server.privateKey, client.publicKey), sessionId, clientId);
    const aad = buildAad({ timestamp: '1767225600000', nonce: 'n-1', kid: `session:${sessionId}`, clientId });
    expect(text(await p.open(serverKey, aad, await p.seal(clientKey, aad, '{"to":"server"}')))).toBe('{"to":"server"}');
    expect(text(await p.open(clientKey, aad, await p.seal(serverKey, aad, '{"to":"client"}')))).toBe('{"to":"client"}');
  });

  it('an imported key handle seals as its bytes do', async () => {
    const bytes = new Uint8Array(32).fill(7);
    const handle = await p.importSessionKey(bytes);
    const aad = utf8('aad');
    const iv = new Uint8Array(12).fill(1);
    expect(await p.seal(handle, aad, 'body', iv)).toBe(await p.seal(bytes, aad, 'body', iv));
    await expect(p.importSessionKey(new Uint8Array(31))).rejects.toBeInstanceOf(TypeError);
  });

  it('a destroyed key or secret cannot be used', async () => {
    const client = await p.generateKeyPair();
    const server = await p.generateKeyPair();
    const secret = await p.agree(client.privateKey, server.publicKey);
    const key = await p.sessionKey(secret, newSessionId(), clientId);
    secret.destroy();
    expect(secret.destroyed).toBe(true);
    await expect(p.sessionKey(secret, newSessionId(), clientId)).rejects.toBeInstanceOf(TypeError);
    key.destroy();
    expect(key.destroyed).toBe(true);
    await expect(p.seal(key, utf8('aad'), 'body')).rejects.toBeInstanceOf(TypeError);
  });

  it('the handles carry nothing readable: no enumerable field holds the key', async () => {
    const client = await p.generateKeyPair();
    const server = await p.generateKeyPair();
    const secret = await p.agree(client.privateKey, server.publicKey);
    const key = await p.sessionKey(secret, newSessionId(), clientId);
    for (const handle of [secret, key]) {
      const visible = Object.values(handle as unknown as Record<string, unknown>);
      expect(visible.every((v) => typeof v === 'string')).toBe(true);
      expect(JSON.stringify(handle)).not.toMatch(/\d{2,}/);
    }
  });

  it('agree refuses a point that is not on the curve', async () => {
    const client = await p.generateKeyPair();
    const bad = new Uint8Array(65);
    bad[0] = 4;
    await expect(p.agree(client.privateKey, bad)).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('handles belong to the backend that made them', () => {
  it('a WebCrypto key is refused by the node backend and the other way round', async () => {
    const node = createProtocol(nodeBackend);
    const web = createProtocol(webCryptoBackend);
    const webKey = await web.importSessionKey(new Uint8Array(32));
    const nodeKey = await node.importSessionKey(new Uint8Array(32));
    await expect(node.seal(webKey, utf8('aad'), 'x')).rejects.toBeInstanceOf(TypeError);
    await expect(web.seal(nodeKey, utf8('aad'), 'x')).rejects.toBeInstanceOf(TypeError);
    const pair = await web.generateKeyPair();
    const nodeSecret = await node.agree((await node.generateKeyPair()).privateKey, pair.publicKey);
    await expect(web.sessionKey(nodeSecret, newSessionId(), clientId)).rejects.toBeInstanceOf(TypeError);
  });

  it('the confirmation MAC check derives its key inside the backend and agrees across backends', async () => {
    const node = createProtocol(nodeBackend);
    const web = createProtocol(webCryptoBackend);
    const a = await node.generateKeyPair();
    const b = await web.generateKeyPair();
    const salt = utf8('salt');
    const info = utf8('label');
    const data = utf8('transcript');
    // The MAC as a byte-holding server computes it.
    const secretBytes = await node.sharedSecret(a.privateKey, b.publicKey);
    const macKey = await nodeBackend.hkdfSha256(secretBytes, salt, info, 32);
    const mac = await nodeBackend.hmacSha256(macKey, data);
    const webSecret = await web.agree(b.privateKey, a.publicKey);
    const nodeSecret = await node.agree(a.privateKey, b.publicKey);
    for (const [backend, secret] of [[webCryptoBackend, webSecret], [nodeBackend, nodeSecret]] as const) {
      expect(await backend.hkdfHmacVerify(secret, salt, info, data, mac)).toBe(true);
      const flipped = new Uint8Array(mac);
      flipped[0]! ^= 1;
      expect(await backend.hkdfHmacVerify(secret, salt, info, data, flipped)).toBe(false);
      expect(await backend.hkdfHmacVerify(secret, salt, utf8('other label'), data, mac)).toBe(false);
      expect(await backend.hkdfHmacVerify(secret, salt, info, data, mac.subarray(0, 31))).toBe(false);
    }
    expect(encodeBase64(mac)).toHaveLength(44);
  });
});
