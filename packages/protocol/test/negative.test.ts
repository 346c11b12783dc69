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

/** Base64 that decodes; refusals of the decoder are checked by the public-key cases below. */
function decodedOrUndefined(b64: string): Uint8Array | undefined {
  try {
    return decodeBase64(b64);
  } catch {
    return undefined;
  }
}

const accepted = (kind: NegativeCase['kind']) => ofKind(kind).filter(([, c]) => c.expected.result === 'accept');
const refused = (kind: NegativeCase['kind']) => ofKind(kind).filter(([, c]) => c.expected.result === 'reject');

describe('session init public keys', () => {
  it.each(ofKind('publicKey'))('%s: base64 decodes to the length the vector names, or is refused', (_name, c) => {
    const length = c.input.lengthBytes as number | null;
    expect(decodedOrUndefined(c.input.clientPublicKeyB64 as string)?.length ?? null).toBe(length);
  });

  it.each(ofKind('publicKey').filter(([, c]) => c.input.lengthBytes === null))('%s: not base64, a MalformedInputError', (_name, c) => {
    expect(() => decodeBase64(c.input.clientPublicKeyB64 as string)).toThrow(MalformedInputError);
  });

  it.each(accepted('publicKey'))('%s', (_name, c) => {
    expect(decodePublicKey(c.input.clientPublicKeyB64 as string)).toHaveLength(65);
  });

  it.each(refused('publicKey'))('%s', async (_name, c) => {
    const err = await thrown(() => decodePublicKey(c.input.clientPublicKeyB64 as string));
    expect(err).toBeInstanceOf(InvalidPublicKeyError);
    expectWireAnswer(err, c.expected);
    // The public description never says which check failed; the detail is for logs.
    expect((err as ProtocolError).message).toBe('The client public key is not a valid P-256 uncompressed point.');
  });

  // Keys that are not even base64 have no bytes to hand to ECDH; the cases above cover them.
  const decodable = (cases: ReturnType<typeof ofKind>) => cases.filter(([, c]) => decodedOrUndefined(c.input.clientPublicKeyB64 as string) !== undefined);

  describe.each(implementations)('%s refuses the same keys for ECDH', (_label, p) => {
    it.each(decodable(accepted('publicKey')))('%s', async (_name, c) => {
      const { privateKey } = await p.generateKeyPair();
      expect(await p.sharedSecret(privateKey, decodeBase64(c.input.clientPublicKeyB64 as string))).toHaveLength(32);
    });

    it.each(decodable(refused('publicKey')))('%s', async (_name, c) => {
      const { privateKey } = await p.generateKeyPair();
      const err = await thrown(() => p.sharedSecret(privateKey, decodeBase64(c.input.clientPublicKeyB64 as string)));
      expect(err).toBeInstanceOf(InvalidPublicKeyError);
      expectWireAnswer(err, c.expected);
    });
  });
});

/** A payload too short to hold IV and tag is already refused when the body is parsed. */
const tooShort = (c: NegativeCase): boolean => decodeBase64(c.input.payloadB64 as string).length < 28;

describe.each(implementations)('envelopes, %s', (_label, p) => {
  it.each(accepted('envelope'))('%s', async (_name, c) => {
    const key = hex(c.input.keyHex as string);
    const additional = utf8(c.input.aad as string);
    const payload = c.input.payloadB64 as string;
    expect(text(await p.open(key, additional, payload))).toBe(c.expected.plaintext);
    expect(text(await p.open(key, additional, parseEnvelope({ payload })))).toBe(c.expected.plaintext);
  });

  it.each(refused('envelope'))('%s', async (_name, c) => {
    const key = hex(c.input.keyHex as string);
    const additional = utf8(c.input.aad as string);
    const err = await thrown(() => p.open(key, additional, c.input.payloadB64 as string));
    expect(err).toBeInstanceOf(DecryptionFailedError);
    expectWireAnswer(err, c.expected);
    expect((err as ProtocolError).message).toBe(ERROR_CODES.decryption_failed.description);
  });

  it.each(refused('envelope').filter(([, c]) => tooShort(c)))('%s: refused already by the body parser', async (_name, c) => {
    const parseErr = await thrown(() => parseEnvelope({ payload: c.input.payloadB64 as string }));
    expect(parseErr).toBeInstanceOf(MalformedInputError);
    expectWireAnswer(parseErr, c.expected);
  });
});

describe.each(implementations)('HMAC signatures, %s', (_label, p) => {
  const verify = (c: NegativeCase) => {
    const { timestamp, nonce } = parseIdempotencyKey(c.input.idempotencyKey as string);
    return p.verifySignature({
      secret: c.input.registeredSecret as string,
      timestamp,
      nonce,
      body: c.input.body as string,
      signature: c.input.signatureHex as string,
    });
  };

  it.each(accepted('hmac'))('%s', async (_name, c) => {
    expect(await verify(c)).toBe(true);
  });

  it.each(refused('hmac'))('%s', async (_name, c) => {
    expect(await verify(c)).toBe(false);
    // The identity API answers a bad signature with invalid_client; the table agrees.
    expect(c.expected.errorCodes).toContain('invalid_client');
    expect(ERROR_CODES.invalid_client.status).toBe(c.expected.httpStatus);
  });
});

describe('idempotency keys against the server clock', () => {
  const check = (c: NegativeCase) => (): void =>
    checkTimestamp(parseIdempotencyKey(c.input.idempotencyKey as string).timestampMs, c.input.serverNowMs as number);

  it.each(accepted('idempotencyKey'))('%s', (_name, c) => {
    expect(check(c)).not.toThrow();
  });

  it.each(refused('idempotencyKey'))('%s', async (_name, c) => {
    expectWireAnswer(await thrown(check(c)), c.expected);
  });
});
