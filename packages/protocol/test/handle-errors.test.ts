/**
 * A developer who uses a key handle wrongly (after destroy(), or with the other backend)
 * gets a TypeError that says which of the two happened and which handle it was.
 */
import { describe, expect, it } from 'vitest';
import { createProtocol, newSessionId, nodeBackend, webCryptoBackend } from '../src/index.js';

const aad = new TextEncoder().encode('aad');
const node = createProtocol(nodeBackend);
const web = createProtocol(webCryptoBackend);

describe.each([
  ['node', node, 'the private key was destroyed', 'the shared secret was destroyed', 'the session key was destroyed'],
  ['webcrypto', web, 'the private key was destroyed', 'the key was destroyed', 'the key was destroyed'],
] as const)('%s handles after destroy()', (_label, p, privateMsg, secretMsg, keyMsg) => {
  it('each handle names itself', async () => {
    const own = await p.generateKeyPair();
    const peer = await p.generateKeyPair();
    const secret = await p.agree(own.privateKey, peer.publicKey);
    const key = await p.sessionKey(secret, newSessionId(), 'c');
    const sealed = await p.seal(key, aad, 'x');
    own.privateKey.destroy();
    await expect(p.agree(own.privateKey, peer.publicKey)).rejects.toThrow(new TypeError(privateMsg));
    await expect(p.sharedSecret(own.privateKey, peer.publicKey)).rejects.toThrow(new TypeError(privateMsg));
    secret.destroy();
    await expect(p.sessionKey(secret, newSessionId(), 'c')).rejects.toThrow(new TypeError(secretMsg));
    key.destroy();
    expect(key.destroyed).toBe(true);
    await expect(p.seal(key, aad, 'x')).rejects.toThrow(new TypeError(keyMsg));
    // Opening with a destroyed key fails like any payload that does not open.
    await expect(p.open(key, aad, sealed)).rejects.toMatchObject({ code: 'decryption_failed' });
  });
});

describe('handles of the other backend', () => {
  it('are refused with a message naming the backend that must have made them', async () => {
    const nodePair = await node.generateKeyPair();
    const webPair = await web.generateKeyPair();
    await expect(node.agree(webPair.privateKey, nodePair.publicKey)).rejects.toThrow(
      new TypeError('the private key was not made by the node backend'),
    );
    await expect(node.sharedSecret(webPair.privateKey, nodePair.publicKey)).rejects.toThrow(
      new TypeError('the private key was not made by the node backend'),
    );
    await expect(web.agree(nodePair.privateKey, webPair.publicKey)).rejects.toThrow(
      new TypeError('the private key was not made by the WebCrypto backend'),
    );
    await expect(web.sharedSecret(nodePair.privateKey, webPair.publicKey)).rejects.toThrow(
      new TypeError('the private key was not made by the WebCrypto backend'),
    );
    const nodeSecret = await node.agree(nodePair.privateKey, webPair.publicKey);
    const webSecret = await web.agree(webPair.privateKey, nodePair.publicKey);
    await expect(web.sessionKey(nodeSecret, newSessionId(), 'c')).rejects.toThrow(
      new TypeError('the shared secret was not made by the WebCrypto backend'),
    );
    await expect(node.sessionKey(webSecret, newSessionId(), 'c')).rejects.toThrow(
      new TypeError('the shared secret was not made by the node backend'),
    );
    const nodeKey = await node.importSessionKey(new Uint8Array(32));
    const webKey = await web.importSessionKey(new Uint8Array(32));
    await expect(web.seal(nodeKey, aad, 'x')).rejects.toThrow(new TypeError('the session key was not made by the WebCrypto backend'));
    await expect(node.seal(webKey, aad, 'x')).rejects.toThrow(new TypeError('the session key was not made by the node backend'));
  });
});
