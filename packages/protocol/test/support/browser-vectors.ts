/**
 * Runs inside the browser (served as native ES modules by web-entry.test.ts): imports only
 * the `./web` entry and checks the vectors with WebCrypto. Returns the failures.
 */
import {
  buildAad,
  decodeBase64,
  decodePublicKey,
  DecryptionFailedError,
  encodeBase64,
  newSessionId,
  webProtocol as p,
} from '../../src/web.js';

/** The vector cases the browser checks, as read by the test in Node. */
export interface BrowserVectors {
  keys: { privateKeyHex: string; publicKeyB64: string }[];
  ecdh: { privateKeyHex: string; peerPublicKeyB64: string; sharedSecretHex: string }[];
  hkdf: { sharedSecretHex: string; sessionId: string; clientId: string; sessionKeyHex: string }[];
  gcm: { keyHex: string; ivHex: string; aad: string; plaintext: string; payloadB64: string }[];
  hmac: { clientSecret: string; timestamp: string; nonce: string; body: string; signatureHex: string }[];
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Check every case; the result lists what failed (empty when all pass). */
export async function run(v: BrowserVectors): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };
  for (const c of v.keys) check(encodeBase64((await p.importPrivateKey(hex(c.privateKeyHex))).publicKey) === c.publicKeyB64, `key ${c.privateKeyHex}`);
  for (const c of v.ecdh) {
    const { privateKey } = await p.importPrivateKey(hex(c.privateKeyHex));
    check(toHex(await p.sharedSecret(privateKey, decodePublicKey(c.peerPublicKeyB64))) === c.sharedSecretHex, `ecdh ${c.sharedSecretHex}`);
  }
  for (const c of v.hkdf) {
    check(toHex(await p.deriveSessionKey(hex(c.sharedSecretHex), c.sessionId, c.clientId)) === c.sessionKeyHex, `hkdf ${c.sessionKeyHex}`);
  }
  for (const c of v.gcm) {
    check((await p.seal(hex(c.keyHex), utf8(c.aad), c.plaintext, hex(c.ivHex))) === c.payloadB64, `seal ${c.payloadB64}`);
    check(new TextDecoder().decode(await p.open(hex(c.keyHex), utf8(c.aad), c.payloadB64)) === c.plaintext, `open ${c.payloadB64}`);
  }
  for (const c of v.hmac) {
    const input = { secret: c.clientSecret, timestamp: c.timestamp, nonce: c.nonce, body: c.body };
    check((await p.sign(input)) === c.signatureHex, `sign ${c.signatureHex}`);
    check(await p.verifySignature({ ...input, signature: c.signatureHex }), `verify ${c.signatureHex}`);
  }
  // Two fresh browser key pairs agree, and a tampered payload is refused with the protocol's error.
  const a = await p.generateKeyPair();
  const b = await p.generateKeyPair();
  const sessionId = newSessionId();
  const key = await p.deriveSessionKey(await p.sharedSecret(a.privateKey, b.publicKey), sessionId, 'web');
  const other = await p.deriveSessionKey(await p.sharedSecret(b.privateKey, a.publicKey), sessionId, 'web');
  const aad = buildAad({ timestamp: String(Date.now()), nonce: crypto.randomUUID(), kid: 'session:' + sessionId, clientId: 'web' });
  const payload = decodeBase64(await p.seal(key, aad, '{"hello":"browser"}'));
  check(new TextDecoder().decode(await p.open(other, aad, payload)) === '{"hello":"browser"}', 'round trip');
  payload[20] = (payload[20] as number) ^ 1;
  try {
    await p.open(other, aad, payload);
    failures.push('tampered payload accepted');
  } catch (err) {
    check(err instanceof DecryptionFailedError, 'tampered payload refused with another error');
  }
  // The opaque path: handles from a browser pair seal what the byte path opens, and the
  // keys behind them cannot be exported.
  const c = await p.generateKeyPair();
  const secret = await p.agree(c.privateKey, b.publicKey);
  const handle = await p.sessionKey(secret, sessionId, 'web');
  const bytes = await p.deriveSessionKey(await p.sharedSecret(b.privateKey, c.publicKey), sessionId, 'web');
  check(new TextDecoder().decode(await p.open(bytes, aad, await p.seal(handle, aad, 'opaque'))) === 'opaque', 'opaque round trip');
  for (const [what, h] of [['secret', secret], ['session key', handle]] as const) {
    const inner = (h as unknown as { use(): CryptoKey }).use();
    check(!inner.extractable, `${what} is extractable`);
    const exported = await crypto.subtle.exportKey('raw', inner).then(
      () => true,
      () => false,
    );
    check(!exported, `${what} exported`);
  }
  return failures;
}
