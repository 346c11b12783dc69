/**
 * HMAC request signatures (docs/protocol.md section 7) beyond the vectors: what a verifier
 * answers for signatures that are missing, malformed or made for other inputs.
 */
import { describe, expect, it } from 'vitest';
import { implementations } from './support/implementations.js';
import { loadVectors, utf8 } from './support/vectors.js';

interface HmacCase { clientSecret: string; timestamp: string; nonce: string; body: string; signatureHex: string }
const [c] = loadVectors<HmacCase>('hmac.json').cases;
if (c === undefined) throw new Error('hmac.json has no case');
const input = { secret: c.clientSecret, timestamp: c.timestamp, nonce: c.nonce, body: c.body };

describe.each(implementations)('%s', (_label, p) => {
  it('accepts the signature in upper-case hex too: the same 32 bytes', async () => {
    expect(await p.verifySignature({ ...input, signature: c.signatureHex.toUpperCase() })).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['one character short', c.signatureHex.slice(1)],
    ['one character long', c.signatureHex + '0'],
    ['not hex', 'z'.repeat(64)],
    ['base64 of the same bytes', Buffer.from(c.signatureHex, 'hex').toString('base64')],
    ['with a sha256= prefix', 'sha256=' + c.signatureHex],
  ])('answers false, without throwing, for a signature that is %s', async (_what, signature) => {
    expect(await p.verifySignature({ ...input, signature })).toBe(false);
  });

  it('answers false for a non-string signature (a missing header)', async () => {
    expect(await p.verifySignature({ ...input, signature: undefined as unknown as string })).toBe(false);
  });

  it('a signature covers the nonce: the same request with another nonce is refused', async () => {
    const signature = await p.sign(input);
    expect(await p.verifySignature({ ...input, nonce: input.nonce.replace(/.$/, 'x'), signature })).toBe(false);
  });

  it('leaves a secret given as bytes untouched (the caller owns it)', async () => {
    const secret = utf8(c.clientSecret);
    await p.sign({ ...input, secret });
    await p.verifySignature({ ...input, secret, signature: c.signatureHex });
    expect(secret).toEqual(utf8(c.clientSecret));
  });
});
