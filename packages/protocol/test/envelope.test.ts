/**
 * Round trips and tamper detection: a message opens only with the key and AAD it was
 * sealed under, and any single flipped bit is caught.
 */
import { describe, expect, it } from 'vitest';
import {
  buildAad,
  decodeBase64,
  DecryptionFailedError,
  encodeBase64,
  encodeEnvelope,
  kidFromSessionId,
  makeIdempotencyKey,
  newSessionId,
  parseEnvelope,
  parseIdempotencyKey,
  type AadFields,
} from '../src/index.js';
import { implementations } from './support/implementations.js';
import { text, utf8 } from './support/vectors.js';

const clientId = 'dev-client';
const kid = kidFromSessionId(newSessionId());
const { timestamp, nonce } = parseIdempotencyKey(makeIdempotencyKey(1767225600000, '96e3f898-02cd-4896-a1fb-0100ad6fbcb4'));
const fields: AadFields = { timestamp, nonce, kid, clientId };

describe.each(implementations)('%s', (_label, p) => {
  async function sessionKeys(): Promise<{ clientKey: Uint8Array; serverKey: Uint8Array }> {
    const client = await p.generateKeyPair();
    const server = await p.generateKeyPair();
    const sessionId = newSessionId();
    const clientKey = await p.deriveSessionKey(await p.sharedSecret(client.privateKey, server.publicKey), sessionId, clientId);
    const serverKey = await p.deriveSessionKey(await p.sharedSecret(server.privateKey, client.publicKey), sessionId, clientId);
    return { clientKey, serverKey };
  }

  it('two fresh key pairs agree on one session key', async () => {
    const { clientKey, serverKey } = await sessionKeys();
    expect(clientKey).toHaveLength(32);
    expect(serverKey).toEqual(clientKey);
  });

  it('a sealed body opens to the same bytes, including empty and non-ASCII bodies', async () => {
    const { clientKey, serverKey } = await sessionKeys();
    const aad = buildAad(fields);
    for (const body of ['', '{}', '{"name":"Zoë","city":"Kraków","emoji":"🔐"}', 'x'.repeat(5000)]) {
      const payload = await p.seal(clientKey, aad, body);
      expect(decodeBase64(payload)).toHaveLength(12 + utf8(body).length + 16);
      expect(text(await p.open(serverKey, aad, payload))).toBe(body);
      expect(text(await p.open(serverKey, aad, parseEnvelope(JSON.parse(encodeEnvelope(payload)))))).toBe(body);
    }
  });

  it('every message gets a fresh IV, so the same body seals differently', async () => {
    const { clientKey } = await sessionKeys();
    const aad = buildAad(fields);
    const ivs = new Set<string>();
    for (let i = 0; i < 20; i++) ivs.add(encodeBase64(decodeBase64(await p.seal(clientKey, aad, '{}')).subarray(0, 12)));
    expect(ivs.size).toBe(20);
  });

  it('flipping any single bit of the IV, the ciphertext or the tag fails to decrypt', async () => {
    const { clientKey, serverKey } = await sessionKeys();
    const aad = buildAad(fields);
    const sealed = decodeBase64(await p.seal(clientKey, aad, '{"a":1}'));
    let refused = 0;
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const tampered = sealed.slice();
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      await expect(p.open(serverKey, aad, tampered)).rejects.toBeInstanceOf(DecryptionFailedError);
      refused++;
    }
    expect(refused).toBe((12 + 7 + 16) * 8);
    // The untouched payload still opens: the refusals were the flips, not the key.
    expect(text(await p.open(serverKey, aad, sealed))).toBe('{"a":1}');
  });

  it.each(['timestamp', 'nonce', 'kid', 'clientId'] as const)('changing the %s in the AAD fails to decrypt', async (field) => {
    const { clientKey, serverKey } = await sessionKeys();
    const payload = await p.seal(clientKey, buildAad(fields), '{"token":"abc"}');
    const changed: Record<(typeof field), string> = {
      timestamp: String(Number(timestamp) + 1),
      nonce: nonce.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a')),
      kid: kidFromSessionId(newSessionId()),
      clientId: 'external-partner-test',
    };
    await expect(p.open(serverKey, buildAad({ ...fields, [field]: changed[field] }), payload)).rejects.toBeInstanceOf(DecryptionFailedError);
  });

  it('a message sealed under another session key fails to decrypt', async () => {
    const first = await sessionKeys();
    const second = await sessionKeys();
    const aad = buildAad(fields);
    await expect(p.open(second.serverKey, aad, await p.seal(first.clientKey, aad, '{}'))).rejects.toBeInstanceOf(DecryptionFailedError);
  });

  it('payloads that are not base64, or shorter than IV + tag, fail the same way', async () => {
    const { serverKey } = await sessionKeys();
    const aad = buildAad(fields);
    for (const payload of ['', 'not base64!', 'AAAA', encodeBase64(new Uint8Array(27)), new Uint8Array(0), new Uint8Array(27)]) {
      await expect(p.open(serverKey, aad, payload)).rejects.toBeInstanceOf(DecryptionFailedError);
    }
  });

  it('refuses keys and IVs of the wrong length as programming mistakes', async () => {
    const aad = buildAad(fields);
    await expect(p.seal(new Uint8Array(16), aad, '{}')).rejects.toBeInstanceOf(TypeError);
    await expect(p.seal(new Uint8Array(32), aad, '{}', new Uint8Array(16))).rejects.toBeInstanceOf(TypeError);
    await expect(p.open(new Uint8Array(31), aad, encodeBase64(new Uint8Array(40)))).rejects.toBeInstanceOf(TypeError);
    await expect(p.deriveSessionKey(new Uint8Array(31), newSessionId(), clientId)).rejects.toBeInstanceOf(TypeError);
  });
});
