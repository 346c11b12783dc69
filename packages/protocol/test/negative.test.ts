/**
 * negative.json: every input a conforming implementation must refuse, with the HTTP
 * answer it maps to, plus one accepted control per kind.
 */
import { describe, expect, it } from 'vitest';
import {
  checkTimestamp,
  decodeBase64,
  decodePublicKey,
  DecryptionFailedError,
  ERROR_CODES,
  InvalidPublicKeyError,
  MalformedInputError,
  parseEnvelope,
  parseIdempotencyKey,
  ProtocolError,
  wireError,
  type ErrorCode,
} from '../src/index.js';
import { implementations } from './support/implementations.js';
import { hex, loadVectors, text, utf8 } from './support/vectors.js';

interface Expected {
  result: 'accept' | 'reject';
  httpStatus?: number;
  errorCodes?: string[];
  plaintext?: string;
}
interface NegativeCase {
  kind: 'publicKey' | 'envelope' | 'hmac' | 'idempotencyKey';
  input: Record<string, unknown>;
  expected: Expected;
}

const negative = loadVectors<NegativeCase>('negative.json');
const ofKind = (kind: NegativeCase['kind']) => negative.cases.filter((c) => c.kind === kind).map((c) => [c.name, c] as const);

/** Run `fn` and return what it threw (failing when it did not throw). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal, but the input was accepted');
}

/** The error is one of this package's, and answers with the status and one of the codes the vector names. */
function expectWireAnswer(err: unknown, expected: Expected): asserts err is ProtocolError {
  expect(err).toBeInstanceOf(ProtocolError);
  const error = err as ProtocolError;
  expect(error.status).toBe(expected.httpStatus);
  expect(expected.errorCodes).toContain(wireError(error.code));
  expect(error.toBody()).toEqual({ error: wireError(error.code), error_description: error.message });
}

describe('negative.json', () => {
  it('has an accepted control and refusals for every kind', () => {
    for (const kind of ['publicKey', 'envelope', 'hmac', 'idempotencyKey'] as const) {
      const cases = negative.cases.filter((c) => c.kind === kind);
      expect(cases.filter((c) => c.expected.result === 'accept')).toHaveLength(1);
      expect(cases.filter((c) => c.expected.result === 'reject').length).toBeGreaterThan(0);
    }
    expect(negative.cases.every((c) => ['publicKey', 'envelope', 'hmac', 'idempotencyKey'].includes(c.kind))).toBe(true);
  });

  it('names only answers that the error table gives the same status', () => {
    for (const c of negative.cases.filter((x) => x.expected.result === 'reject')) {
      for (const code of c.expected.errorCodes ?? []) {
        // Some code of the table travels under this wire name with this status.
        const matches = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
          (k) => wireError(k) === code && ERROR_CODES[k].status === c.expected.httpStatus,
        );
        expect(matches, `${c.name}: ${code} ${c.expected.httpStatus}`).not.toHaveLength(0);
      }
    }
  });
});

describe('session init public keys', () => {
  it.each(ofKind('publicKey'))('%s', async (_name, c) => {
    const b64 = c.input.clientPublicKeyB64 as string;
    const length = c.input.lengthBytes as number | null;
    if (length === null) expect(() => decodeBase64(b64)).toThrow(MalformedInputError);
    else expect(decodeBase64(b64)).toHaveLength(length);
    if (c.expected.result === 'accept') {
      expect(decodePublicKey(b64)).toHaveLength(65);
      return;
    }
    const err = await thrown(() => decodePublicKey(b64));
    expect(err).toBeInstanceOf(InvalidPublicKeyError);
    expectWireAnswer(err, c.expected);
    // The public description never says which check failed; the detail is for logs.
    expect((err as ProtocolError).message).toBe('The client public key is not a valid P-256 uncompressed point.');
  });

  describe.each(implementations)('%s refuses the same keys for ECDH', (_label, p) => {
    it.each(ofKind('publicKey'))('%s', async (_name, c) => {
      const decoded = (() => {
        try {
          return decodeBase64(c.input.clientPublicKeyB64 as string);
        } catch {
          return undefined;
        }
      })();
      if (decoded === undefined) return; // not base64: no bytes to hand to ECDH
      const { privateKey } = await p.generateKeyPair();
      if (c.expected.result === 'accept') {
        expect(await p.sharedSecret(privateKey, decoded)).toHaveLength(32);
      } else {
        expectWireAnswer(await thrown(() => p.sharedSecret(privateKey, decoded)), c.expected);
      }
    });
  });
});

describe.each(implementations)('envelopes, %s', (_label, p) => {
  it.each(ofKind('envelope'))('%s', async (_name, c) => {
    const key = hex(c.input.keyHex as string);
    const additional = utf8(c.input.aad as string);
    const payload = c.input.payloadB64 as string;
    if (c.expected.result === 'accept') {
      expect(text(await p.open(key, additional, payload))).toBe(c.expected.plaintext);
      expect(text(await p.open(key, additional, parseEnvelope({ payload })))).toBe(c.expected.plaintext);
      return;
    }
    const err = await thrown(() => p.open(key, additional, payload));
    expect(err).toBeInstanceOf(DecryptionFailedError);
    expectWireAnswer(err, c.expected);
    expect((err as ProtocolError).message).toBe(ERROR_CODES.decryption_failed.description);
    // A payload too short to hold IV and tag is already refused when the body is parsed.
    if (decodeBase64(payload).length < 28) {
      const parseErr = await thrown(() => parseEnvelope({ payload }));
      expect(parseErr).toBeInstanceOf(MalformedInputError);
      expectWireAnswer(parseErr, c.expected);
    }
  });
});

describe.each(implementations)('HMAC signatures, %s', (_label, p) => {
  it.each(ofKind('hmac'))('%s', async (_name, c) => {
    const { timestamp, nonce } = parseIdempotencyKey(c.input.idempotencyKey as string);
    const ok = await p.verifySignature({
      secret: c.input.registeredSecret as string,
      timestamp,
      nonce,
      body: c.input.body as string,
      signature: c.input.signatureHex as string,
    });
    expect(ok).toBe(c.expected.result === 'accept');
    if (c.expected.result === 'reject') {
      // The identity API answers a bad signature with invalid_client; the table agrees.
      expect(c.expected.errorCodes).toContain('invalid_client');
      expect(ERROR_CODES.invalid_client.status).toBe(c.expected.httpStatus);
    }
  });
});

describe('idempotency keys against the server clock', () => {
  it.each(ofKind('idempotencyKey'))('%s', async (_name, c) => {
    const header = c.input.idempotencyKey as string;
    const now = c.input.serverNowMs as number;
    const check = (): void => checkTimestamp(parseIdempotencyKey(header).timestampMs, now);
    if (c.expected.result === 'accept') {
      expect(check).not.toThrow();
      return;
    }
    expectWireAnswer(await thrown(check), c.expected);
  });
});
