/**
 * The detail of an error is what an operator reads in the log when a request is refused,
 * and the TypeError text is what a developer reads when a call is wrong. Neither travels
 * on the wire, but both must name the actual problem: these tests pin them.
 */
import { describe, expect, it } from 'vitest';
import {
  buildAad,
  checkTimestamp,
  DecryptionFailedError,
  ERROR_CODES,
  errorBody,
  isWireErrorCode,
  ProtocolError,
  wireError,
  decodeBase64,
  encodeBase64,
  encodeEnvelope,
  InvalidTimestampError,
  isSessionId,
  kidFromSessionId,
  makeIdempotencyKey,
  newSessionId,
  parseEnvelope,
  parseIdempotencyKey,
  sessionIdFromKid,
  decodePublicKey,
  hkdfInfo,
  InvalidPublicKeyError,
  MalformedInputError,
  protocol,
  validatePublicKey,
} from '../src/index.js';

const P_HEX = 'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('public key refusals name the problem', () => {
  it('a wrong length gives the length found and expected', async () => {
    const { publicKey } = await protocol.generateKeyPair();
    const err = caught(() => validatePublicKey(publicKey.subarray(0, 64)));
    expect(err).toBeInstanceOf(InvalidPublicKeyError);
    expect((err as InvalidPublicKeyError).detail).toBe('public key: length 64, expected 65');
  });

  it('a compressed prefix is named in two hex digits', async () => {
    const { publicKey } = await protocol.generateKeyPair();
    const compressed = publicKey.slice();
    compressed[0] = 0x02;
    expect((caught(() => validatePublicKey(compressed)) as InvalidPublicKeyError).detail).toBe('public key: prefix 0x02, expected 0x04');
    compressed[0] = 0x00;
    expect((caught(() => validatePublicKey(compressed)) as InvalidPublicKeyError).detail).toBe('public key: prefix 0x00, expected 0x04');
  });

  it('a coordinate at or above p is refused as such, not as off-curve', () => {
    const bytes = new Uint8Array(65);
    bytes[0] = 0x04;
    bytes.set(Buffer.from(P_HEX, 'hex'), 1);
    expect((caught(() => validatePublicKey(bytes)) as InvalidPublicKeyError).detail).toBe('public key: coordinate not below the field prime');
    const onlyY = new Uint8Array(65);
    onlyY[0] = 0x04;
    onlyY.set(Buffer.from(P_HEX, 'hex'), 33);
    expect((caught(() => validatePublicKey(onlyY)) as InvalidPublicKeyError).detail).toBe('public key: coordinate not below the field prime');
  });

  it('a point off the curve is named as such', async () => {
    const { publicKey } = await protocol.generateKeyPair();
    const off = publicKey.slice();
    off[64]! ^= 1;
    expect((caught(() => validatePublicKey(off)) as InvalidPublicKeyError).detail).toBe('public key: point not on the curve');
  });

  it('something that is not bytes is refused as an invalid key, not a crash', () => {
    const err = caught(() => validatePublicKey([4, 1, 2] as unknown as Uint8Array));
    expect(err).toBeInstanceOf(InvalidPublicKeyError);
    expect((err as InvalidPublicKeyError).detail).toBe('public key: not bytes');
  });

  it('bad base64 passes the base64 reason on', () => {
    const err = caught(() => decodePublicKey('abc'));
    expect(err).toBeInstanceOf(InvalidPublicKeyError);
    expect((err as InvalidPublicKeyError).detail).toBe('public key: base64: length not a multiple of 4');
    expect((caught(() => decodePublicKey('ab!d')) as InvalidPublicKeyError).detail).toBe('public key: base64: invalid character at 2');
    expect((caught(() => decodePublicKey(42 as unknown as string)) as InvalidPublicKeyError).detail).toBe('public key: base64: not a string');
  });
});

describe('base64 refusals name the problem', () => {
  it('names the position of a character outside the alphabet', () => {
    for (const [text, at] of [['-AAA', 0], ['A_AA', 1], ['AAé=', 2], ['AAAA AAA', 4]] as const) {
      const err = caught(() => decodeBase64(text));
      expect(err).toBeInstanceOf(MalformedInputError);
      expect((err as MalformedInputError).detail).toBe(`base64: invalid character at ${at}`);
    }
  });

  it('names non-zero trailing bits for both paddings', () => {
    expect((caught(() => decodeBase64('AB==')) as MalformedInputError).detail).toBe('base64: non-zero trailing bits');
    expect((caught(() => decodeBase64('AAB=')) as MalformedInputError).detail).toBe('base64: non-zero trailing bits');
  });

  it('names a non-string and a bad length', () => {
    expect((caught(() => decodeBase64(null as unknown as string)) as MalformedInputError).detail).toBe('base64: not a string');
    expect((caught(() => decodeBase64('AAAAA')) as MalformedInputError).detail).toBe('base64: length not a multiple of 4');
  });
});

describe('mistyped arguments from JavaScript callers', () => {
  const fields = { timestamp: '1700000000000', nonce: 'n', kid: 'session:s', clientId: 'c' };

  it('buildAad names the field that is not a string', () => {
    for (const name of ['timestamp', 'nonce', 'kid', 'clientId'] as const) {
      const bad = { ...fields, [name]: 5 } as unknown as typeof fields;
      expect(() => buildAad(bad)).toThrow(new TypeError(`AAD field ${name} must be a string`));
    }
  });

  it('hkdfInfo refuses a client id that is not a string', () => {
    expect(() => hkdfInfo(undefined as unknown as string)).toThrow(new TypeError('clientId must be a string'));
  });

  it('deriving a session key refuses a session id or client id that is not a string', async () => {
    const secret = new Uint8Array(32).fill(7);
    await expect(protocol.deriveSessionKey(secret, 12 as unknown as string, 'c')).rejects.toThrow(new TypeError('sessionId must be a string'));
    await expect(protocol.deriveSessionKey(secret, 's', null as unknown as string)).rejects.toThrow(new TypeError('clientId must be a string'));
  });

  it('a shared secret of the wrong size or type is refused with its size', async () => {
    await expect(protocol.deriveSessionKey(new Uint8Array(31), 's', 'c')).rejects.toThrow(new TypeError('shared secret must be 32 bytes, got 31'));
    await expect(protocol.deriveSessionKey('x'.repeat(32) as unknown as Uint8Array, 's', 'c')).rejects.toThrow(
      new TypeError('shared secret must be a Uint8Array'),
    );
  });

  it('sealing refuses a key that is neither 32 bytes nor a handle, and an AAD that is not bytes', async () => {
    const aad = buildAad(fields);
    await expect(protocol.seal({ kind: 'other' } as never, aad, 'x')).rejects.toThrow(new TypeError('key must be 32 bytes or a session key handle'));
    await expect(protocol.seal(null as never, aad, 'x')).rejects.toThrow(new TypeError('key must be 32 bytes or a session key handle'));
    await expect(protocol.seal('k' as never, aad, 'x')).rejects.toThrow(new TypeError('key must be 32 bytes or a session key handle'));
    await expect(protocol.seal(new Uint8Array(16), aad, 'x')).rejects.toThrow(new TypeError('key must be 32 bytes, got 16'));
    await expect(protocol.seal(new Uint8Array(32), 'aad' as never, 'x')).rejects.toThrow(new TypeError('aad must be a Uint8Array (see buildAad)'));
  });
});

describe('envelope, idempotency key and kid refusals name the problem', () => {
  it('an envelope body that is not an object, has no string payload or is too short', () => {
    for (const body of [null, [], 'payload', 3]) {
      const err = caught(() => parseEnvelope(body));
      expect(err).toBeInstanceOf(MalformedInputError);
      expect((err as MalformedInputError).detail).toBe('envelope: body is not a JSON object');
    }
    expect((caught(() => parseEnvelope({ payload: 5 })) as MalformedInputError).detail).toBe('envelope: payload is not a string');
    expect((caught(() => parseEnvelope({})) as MalformedInputError).detail).toBe('envelope: payload is not a string');
    const short = encodeBase64(new Uint8Array(27));
    expect((caught(() => parseEnvelope({ payload: short })) as MalformedInputError).detail).toBe('envelope: payload of 27 bytes, need at least 28');
    expect(parseEnvelope({ payload: encodeBase64(new Uint8Array(28)) })).toHaveLength(28);
  });

  it('encodeEnvelope refuses a payload that is not a string', () => {
    expect(() => encodeEnvelope(new Uint8Array(28) as unknown as string)).toThrow(new TypeError('payload must be a base64 string'));
    expect(encodeEnvelope('QUJD')).toBe('{"payload":"QUJD"}');
  });

  it('an idempotency key: missing, no separator, bad timestamp, bad nonce', () => {
    const nonce = 'a'.repeat(16);
    expect((caught(() => parseIdempotencyKey(undefined as unknown as string)) as MalformedInputError).detail).toBe('idempotency key: missing');
    expect((caught(() => parseIdempotencyKey('1700000000000' + nonce)) as MalformedInputError).detail).toBe('idempotency key: no "." separator');
    const ts = caught(() => parseIdempotencyKey(`17e3.${nonce}`));
    expect(ts).toBeInstanceOf(InvalidTimestampError);
    expect((ts as InvalidTimestampError).detail).toBe('idempotency key: timestamp is not 1-16 decimal digits');
    const bad = caught(() => parseIdempotencyKey(`1700000000000.${'a'.repeat(15)}`));
    expect(bad).toBeInstanceOf(MalformedInputError);
    expect((bad as MalformedInputError).detail).toBe('idempotency key: nonce must be 16-128 visible ASCII characters without "."');
  });

  it('makeIdempotencyKey refuses a bad clock value or nonce with a message saying what is allowed', () => {
    const nonce = 'b'.repeat(16);
    for (const now of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => makeIdempotencyKey(now, nonce)).toThrow(new TypeError('nowMs must be a non-negative integer'));
    }
    for (const n of ['b'.repeat(15), 'b'.repeat(129), `${'b'.repeat(15)}.`, `${'b'.repeat(15)} `]) {
      expect(() => makeIdempotencyKey(0, n)).toThrow(new TypeError('nonce must be 16-128 visible ASCII characters without "."'));
    }
    expect(makeIdempotencyKey(0, nonce)).toBe(`0.${nonce}`);
    expect(makeIdempotencyKey(5, '!'.repeat(16))).toBe(`5.${'!'.repeat(16)}`);
    expect(makeIdempotencyKey(5, '~'.repeat(128))).toBe(`5.${'~'.repeat(128)}`);
  });

  it('makeIdempotencyKey defaults to the current time and a fresh UUID nonce', () => {
    const before = Date.now();
    const key = makeIdempotencyKey();
    const after = Date.now();
    const parsed = parseIdempotencyKey(key);
    expect(parsed.timestampMs).toBeGreaterThanOrEqual(before);
    expect(parsed.timestampMs).toBeLessThanOrEqual(after);
    expect(parsed.nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseIdempotencyKey(makeIdempotencyKey()).nonce).not.toBe(parsed.nonce);
  });

  it('a kid without the prefix or with a malformed session id', () => {
    expect((caught(() => sessionIdFromKid('S-' + '0'.repeat(32))) as MalformedInputError).detail).toBe('kid: missing session: prefix');
    expect((caught(() => sessionIdFromKid(7 as unknown as string)) as MalformedInputError).detail).toBe('kid: missing session: prefix');
    expect((caught(() => sessionIdFromKid('session:S-' + 'A'.repeat(32))) as MalformedInputError).detail).toBe('kid: malformed session id');
    expect(() => kidFromSessionId('S-' + '0'.repeat(31))).toThrow(new TypeError('sessionId must be S- followed by 32 lowercase hex characters'));
  });

  it('session ids are S- and 32 lowercase hex, checked end to end', () => {
    const id = newSessionId();
    expect(id).toMatch(/^S-[0-9a-f]{32}$/);
    expect(newSessionId()).not.toBe(id);
    expect(isSessionId(id)).toBe(true);
    for (const bad of [`x${id}`, `${id}0`, id.slice(0, -1), id.toUpperCase(), 5, null]) expect(isSessionId(bad)).toBe(false);
  });
});

describe('payloads that cannot be opened', () => {
  const fields = { timestamp: '1700000000000', nonce: 'n', kid: 'session:s', clientId: 'c' };

  it('every malformed payload is a DecryptionFailedError with its own detail', async () => {
    const key = new Uint8Array(32).fill(3);
    const aad = buildAad(fields);
    const detailOf = async (payload: unknown) => {
      const err: unknown = await protocol.open(key, aad, payload as string).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DecryptionFailedError);
      return (err as DecryptionFailedError).detail;
    };
    expect(await detailOf('not base64!')).toBe('payload is not strict base64');
    expect(await detailOf(12)).toBe('payload is neither base64 nor bytes');
    expect(await detailOf(new Uint8Array(27))).toBe('payload shorter than IV + tag');
    expect(await detailOf(new Uint8Array(28))).toBe('payload does not authenticate');
  });

  it('sealing refuses an IV that is not 12 bytes', async () => {
    const aad = buildAad(fields);
    await expect(protocol.seal(new Uint8Array(32), aad, 'x', new Uint8Array(11))).rejects.toThrow(new TypeError('iv must be 12 bytes, got 11'));
  });
});

describe('timestamp refusals and error options', () => {
  it('names a non-finite timestamp or clock and a timestamp outside the window', () => {
    for (const [ts, now] of [
      [Number.NaN, 0],
      [0, Number.POSITIVE_INFINITY],
    ] as const) {
      const err = caught(() => checkTimestamp(ts, now));
      expect(err).toBeInstanceOf(InvalidTimestampError);
      expect((err as InvalidTimestampError).detail).toBe('timestamp: not a finite number');
    }
    expect((caught(() => checkTimestamp(0, 300_001)) as InvalidTimestampError).detail).toBe('timestamp: outside the clock window');
    expect((caught(() => checkTimestamp(10_001, 0, 10)) as InvalidTimestampError).detail).toBe('timestamp: outside the clock window');
    expect(checkTimestamp(10_000, 0, 10)).toBeUndefined();
  });

  it('a ProtocolError keeps an explicit status and challenge, and defaults to the code of its table row', () => {
    const err = new ProtocolError('invalid_token', 'expired', undefined, { status: 403, challenge: 'Bearer error="invalid_token"' });
    expect(err.status).toBe(403);
    expect(err.challenge).toBe('Bearer error="invalid_token"');
    expect(err.message).toBe(ERROR_CODES.invalid_token.description);
    expect(err.name).toBe('ProtocolError');
    const plain = new ProtocolError('replay_detected');
    expect(plain.status).toBe(409);
    expect(plain.challenge).toBeUndefined();
    expect(plain.detail).toBeUndefined();
    expect(new ProtocolError('invalid_scope', 'd', 'Scope "admin" is not allowed.').toBody()).toEqual({
      error: 'invalid_scope',
      error_description: 'Scope "admin" is not allowed.',
    });
  });

  it('only the codes of the table are wire codes, not properties every object has', () => {
    expect(isWireErrorCode('invalid_grant')).toBe(true);
    expect(isWireErrorCode('payload_too_large')).toBe(false);
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', '']) expect(isWireErrorCode(name)).toBe(false);
    expect(wireError('invalid_grant')).toBe('invalid_grant');
    expect(errorBody('invalid_grant', 'custom')).toEqual({ error: 'invalid_grant', error_description: 'custom' });
  });
});
