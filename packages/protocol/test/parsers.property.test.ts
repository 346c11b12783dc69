/**
 * Property-based tests of every parser: arbitrary input yields a value or this package's
 * own ProtocolError, never any other exception (a server turns those into 5xx).
 */
import fc from 'fast-check';
import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildAad,
  DecryptionFailedError,
  decodeBase64,
  decodePublicKey,
  encodeBase64,
  kidFromSessionId,
  makeIdempotencyKey,
  parseEnvelope,
  parseIdempotencyKey,
  ProtocolError,
  sessionIdFromKid,
  validatePublicKey,
} from '../src/index.js';
import { implementations } from './support/implementations.js';

/** Either a value or a ProtocolError; anything else fails the property. */
function valueOrProtocolError<T>(fn: () => T): T | ProtocolError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
}

/** Any text: full Unicode (lone surrogates too), ASCII, and strings that look like base64. */
const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }), fc.base64String(), fc.string());

/** The P-256 field prime. */
const P256_P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;

/** A real public key (0x04 || X || Y) for a private scalar, as OpenSSL computes it. */
function realPublicKey(scalar: Uint8Array): Uint8Array {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(scalar);
  return new Uint8Array(ecdh.getPublicKey());
}

/** Does OpenSSL agree to do ECDH with these bytes as the peer's uncompressed public key? */
function opensslAccepts(bytes: Uint8Array): boolean {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.alloc(32, 1));
  try {
    ecdh.computeSecret(bytes);
    return true;
  } catch {
    return false;
  }
}

const toBigInt = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const to32Bytes = (n: bigint): Uint8Array => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));

/** Private scalars OpenSSL takes (non-zero, below the group order). */
const scalars = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((d) => d.some((b) => b !== 0) && d[0] !== 0xff);
const realKeys = scalars.map(realPublicKey);
/**
 * 65-byte strings with the uncompressed prefix: real on-curve points, the same points with
 * one bit flipped (off the curve, almost always), a coordinate replaced by itself plus p
 * (same point modulo p, but not a canonical encoding), and random bytes.
 */
const uncompressedCandidates = fc.oneof(
  realKeys,
  fc.tuple(realKeys, fc.integer({ min: 8, max: 65 * 8 - 1 })).map(([key, bit]) => {
    const out = key.slice();
    out[bit >> 3]! ^= 1 << (bit & 7);
    return out;
  }),
  fc.tuple(realKeys, fc.boolean()).map(([key, onX]) => {
    const out = key.slice();
    const offset = onX ? 1 : 33;
    const plusP = toBigInt(key.subarray(offset, offset + 32)) + P256_P;
    // Only when the sum still fits in 32 bytes (coordinates below 2^256 - p).
    if (plusP < 2n ** 256n) out.set(to32Bytes(plusP), offset);
    return out;
  }),
  fc.uint8Array({ minLength: 64, maxLength: 64 }).map((xy) => Uint8Array.from([4, ...xy])),
);

describe('decodeBase64', () => {
  it('arbitrary text decodes or is refused with a ProtocolError', () => {
    fc.assert(fc.property(anyText, (s) => {
      expect(() => valueOrProtocolError(() => decodeBase64(s))).not.toThrow();
    }));
  });

  it('round-trips bytes and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const b64 = encodeBase64(bytes);
        expect(b64).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(b64)).toEqual(bytes);
      }),
    );
  });

  it('accepts exactly the canonical encodings: what it decodes re-encodes to the same text', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const out = valueOrProtocolError(() => decodeBase64(s));
        expect(out instanceof ProtocolError || encodeBase64(out) === s).toBe(true);
      }),
    );
  });
});

describe('decodePublicKey and validatePublicKey', () => {
  it('arbitrary text decodes to a key or is refused with a ProtocolError', () => {
    fc.assert(fc.property(anyText, (s) => {
      expect(() => valueOrProtocolError(() => decodePublicKey(s))).not.toThrow();
    }));
  });

  it('arbitrary bytes are valid points or refused with a ProtocolError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      expect(() => valueOrProtocolError(() => validatePublicKey(bytes))).not.toThrow();
    }));
  });

  it('accepts exactly the uncompressed points OpenSSL accepts: real keys, mutated keys, (x+p, y), random bytes', () => {
    fc.assert(
      fc.property(uncompressedCandidates, (bytes) => {
        const ours = !(valueOrProtocolError(() => validatePublicKey(bytes)) instanceof ProtocolError);
        expect(ours).toBe(opensslAccepts(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('every real public key passes; the same key with Y changed does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((d) => d.some((b) => b !== 0) && d[0] !== 0xff), (scalar) => {
        const ecdh = createECDH('prime256v1');
        ecdh.setPrivateKey(scalar);
        const key = new Uint8Array(ecdh.getPublicKey());
        expect(validatePublicKey(key)).toBe(key);
        const wrong = key.slice();
        wrong[64]! ^= 1;
        expect(valueOrProtocolError(() => validatePublicKey(wrong))).toBeInstanceOf(ProtocolError);
      }),
      { numRuns: 50 },
    );
  });
});

describe('parseIdempotencyKey', () => {
  it('arbitrary text parses or is refused with a ProtocolError', () => {
    const headerish = fc.oneof(anyText, fc.tuple(fc.stringMatching(/^[0-9]{0,18}$/), anyText).map(([a, b]) => `${a}.${b}`));
    fc.assert(fc.property(headerish, (s) => {
      expect(() => valueOrProtocolError(() => parseIdempotencyKey(s))).not.toThrow();
    }));
  });

  it('every key it makes parses back to its parts', () => {
    const nonce = fc.stringMatching(/^[\x21-\x2d\x2f-\x7e]{16,128}$/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999_999 }), nonce, (ms, n) => {
        const parsed = parseIdempotencyKey(makeIdempotencyKey(ms, n));
        expect(parsed).toEqual({ timestamp: String(ms), timestampMs: ms, nonce: n });
      }),
    );
  });
});

describe('sessionIdFromKid', () => {
  it('arbitrary text is a kid or is refused with a ProtocolError', () => {
    const kidish = fc.oneof(anyText, anyText.map((s) => `session:${s}`), fc.stringMatching(/^session:S-[0-9a-fA-F]{30,34}$/));
    fc.assert(fc.property(kidish, (s) => {
      expect(() => valueOrProtocolError(() => sessionIdFromKid(s))).not.toThrow();
    }));
  });

  it('round-trips every well-formed session id', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^S-[0-9a-f]{32}$/), (id) => {
        expect(sessionIdFromKid(kidFromSessionId(id))).toBe(id);
      }),
    );
  });
});

describe('parseEnvelope', () => {
  it('any JSON value, or an object with any payload, parses or is refused with a ProtocolError', () => {
    const bodies = fc.oneof(fc.jsonValue(), fc.anything(), fc.record({ payload: fc.oneof(anyText, fc.jsonValue()) }));
    fc.assert(
      fc.property(bodies, (body) => {
        const out = valueOrProtocolError(() => parseEnvelope(body));
        expect(out instanceof ProtocolError || out.length >= 28).toBe(true);
      }),
    );
  });
});

describe.each(implementations)('open, %s', (_label, p) => {
  const key = new Uint8Array(32).fill(7);
  const aad = buildAad({ timestamp: '1', nonce: 'n'.repeat(16), kid: 'session:S-' + '0'.repeat(32), clientId: 'c' });

  it('arbitrary bytes and text never open, and fail only with DecryptionFailedError', async () => {
    const payloads = fc.oneof(fc.uint8Array({ maxLength: 120 }), anyText, fc.uint8Array({ minLength: 28, maxLength: 80 }).map(encodeBase64));
    await fc.assert(
      fc.asyncProperty(payloads, async (payload) => {
        await expect(p.open(key, aad, payload)).rejects.toBeInstanceOf(DecryptionFailedError);
      }),
      { numRuns: 60 },
    );
  });
});
