/**
 * Key pairs and private key handles on every implementation.
 */
import { describe, expect, it } from 'vitest';
import { createProtocol, InvalidPublicKeyError, nodeBackend, validatePublicKey, webCryptoBackend } from '../src/index.js';
import { implementations } from './support/implementations.js';

const N_HEX = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';

describe.each(implementations)('%s', (_label, p) => {
  it('generates 65-byte uncompressed public keys that are on the curve', async () => {
    const { publicKey, privateKey } = await p.generateKeyPair();
    expect(publicKey).toBeInstanceOf(Uint8Array);
    expect(publicKey).toHaveLength(65);
    expect(publicKey[0]).toBe(0x04);
    expect(validatePublicKey(publicKey)).toBe(publicKey);
    expect(privateKey.destroyed).toBe(false);
  });

  it('a destroyed private key can no longer compute a secret', async () => {
    const own = await p.generateKeyPair();
    const peer = await p.generateKeyPair();
    own.privateKey.destroy();
    expect(own.privateKey.destroyed).toBe(true);
    await expect(p.sharedSecret(own.privateKey, peer.publicKey)).rejects.toBeInstanceOf(TypeError);
  });

  it('refuses scalars outside [1, n-1] or not 32 bytes', async () => {
    await expect(p.importPrivateKey(new Uint8Array(32))).rejects.toBeInstanceOf(TypeError);
    await expect(p.importPrivateKey(Uint8Array.from(Buffer.from(N_HEX, 'hex')))).rejects.toBeInstanceOf(TypeError);
    await expect(p.importPrivateKey(new Uint8Array(31).fill(1))).rejects.toBeInstanceOf(TypeError);
  });

  it('refuses an invalid peer key before any ECDH', async () => {
    const { privateKey, publicKey } = await p.generateKeyPair();
    const offCurve = publicKey.slice();
    offCurve[64]! ^= 1;
    await expect(p.sharedSecret(privateKey, offCurve)).rejects.toBeInstanceOf(InvalidPublicKeyError);
    await expect(p.sharedSecret(privateKey, publicKey.subarray(0, 33))).rejects.toBeInstanceOf(InvalidPublicKeyError);
  });
});

describe('handles belong to their backend', () => {
  it('a node key cannot be used with the WebCrypto backend, nor the reverse', async () => {
    const node = createProtocol(nodeBackend);
    const web = createProtocol(webCryptoBackend);
    const a = await node.generateKeyPair();
    const b = await web.generateKeyPair();
    await expect(web.sharedSecret(a.privateKey, b.publicKey)).rejects.toBeInstanceOf(TypeError);
    await expect(node.sharedSecret(b.privateKey, a.publicKey)).rejects.toBeInstanceOf(TypeError);
  });

  it('the two backends interoperate: a node key and a WebCrypto key agree on the secret', async () => {
    const node = createProtocol(nodeBackend);
    const web = createProtocol(webCryptoBackend);
    const a = await node.generateKeyPair();
    const b = await web.generateKeyPair();
    expect(await node.sharedSecret(a.privateKey, b.publicKey)).toEqual(await web.sharedSecret(b.privateKey, a.publicKey));
  });
});
