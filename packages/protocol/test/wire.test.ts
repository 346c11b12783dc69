/**
 * The pure wire functions: base64, idempotency keys, kids, AAD, envelopes, errors.
 */
import { describe, expect, it } from 'vitest';
import {
  buildAad,
  checkTimestamp,
  decodeBase64,
  DecryptionFailedError,
  encodeBase64,
  encodeEnvelope,
  ERROR_CODES,
  errorBody,
  InvalidPublicKeyError,
  InvalidTimestampError,
  isSessionId,
  isWireErrorCode,
  PATHS,
  kidFromSessionId,
  makeIdempotencyKey,
  MalformedInputError,
  newSessionId,
  parseEnvelope,
  parseIdempotencyKey,
  ProtocolError,
  sessionIdFromKid,
  SIGNED_PATH,
  stringToSign,
  wireError,
  zeroize,
} from '../src/index.js';
import { text } from './support/vectors.js';

const UUID = '96e3f898-02cd-4896-a1fb-0100ad6fbcb4';

describe('base64', () => {
  it('uses the standard alphabet with padding, like the wire', () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x04]);
    expect(encodeBase64(bytes)).toBe('+/+/BA==');
    expect(decodeBase64('+/+/BA==')).toEqual(bytes);
    expect(encodeBase64(new Uint8Array(0))).toBe('');
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
  });

  it.each([
    ['missing padding', 'BA'],
    ['URL-safe alphabet', '-_-_BA=='],
    ['whitespace', 'BA== '],
    ['a line break inside', 'AAAA\nBA=='],
    ['padding in the middle', 'BA==BA=='],
    ['three padding characters', 'B==='],
    ['non-zero trailing bits', 'BB=='],
    ['non-ASCII', 'BAé='],
  ])('refuses %s', (_what, input) => {
    expect(() => decodeBase64(input)).toThrow(MalformedInputError);
  });
});

describe('X-Idempotency-Key', () => {
  it('splits on the first "." only', () => {
    expect(parseIdempotencyKey(`1767225600000.${UUID}`)).toEqual({ timestamp: '1767225600000', timestampMs: 1767225600000, nonce: UUID });
  });

  it('a nonce must be 16 to 128 visible ASCII characters without "."', () => {
    expect(parseIdempotencyKey('1.' + 'a'.repeat(16)).nonce).toHaveLength(16);
    expect(parseIdempotencyKey('1.' + 'a'.repeat(128)).nonce).toHaveLength(128);
    for (const nonce of ['a'.repeat(15), 'a'.repeat(129), `${UUID}.x`, `${UUID} x`, `${UUID}é`, '']) {
      expect(() => parseIdempotencyKey(`1767225600000.${nonce}`), nonce).toThrow(MalformedInputError);
    }
  });

  it('a header without "." is malformed', () => {
    expect(() => parseIdempotencyKey('1767225600000')).toThrow(MalformedInputError);
  });

  it('a timestamp that is not 1 to 16 decimal digits is an invalid timestamp', () => {
    for (const ts of ['', 'soon', '-1', '1e12', '0x10', '12345678901234567', ' 1']) {
      expect(() => parseIdempotencyKey(`${ts}.${UUID}`), ts).toThrow(InvalidTimestampError);
    }
  });

  it('a timestamp within 300 s either way passes; one second more fails', () => {
    const now = 1767225600000;
    expect(() => checkTimestamp(now - 300_000, now)).not.toThrow();
    expect(() => checkTimestamp(now + 300_000, now)).not.toThrow();
    expect(() => checkTimestamp(now - 301_000, now)).toThrow(InvalidTimestampError);
    expect(() => checkTimestamp(now + 301_000, now)).toThrow(InvalidTimestampError);
    expect(() => checkTimestamp(now - 60_000, now, 30)).toThrow(InvalidTimestampError);
    expect(() => checkTimestamp(Number.NaN, now)).toThrow(InvalidTimestampError);
  });

  it('made keys parse back, with a fresh UUID nonce by default', () => {
    const key = makeIdempotencyKey(1767225600000);
    const parsed = parseIdempotencyKey(key);
    expect(parsed.timestampMs).toBe(1767225600000);
    expect(parsed.nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Some clients split on every ".", so a made key has exactly one.
    expect(key.split('.')).toHaveLength(2);
    expect(makeIdempotencyKey(5, UUID)).toBe(`5.${UUID}`);
    expect(() => makeIdempotencyKey(5, 'short')).toThrow(TypeError);
    expect(Math.abs(parseIdempotencyKey(makeIdempotencyKey()).timestampMs - Date.now())).toBeLessThan(60_000);
  });
});

describe('session ids and kids', () => {
  it('a new session id is S- and 32 lowercase hex characters, never repeated', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newSessionId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^S-[0-9a-f]{32}$/);
  });

  it('the kid is session:<id> and parses back', () => {
    const id = newSessionId();
    expect(kidFromSessionId(id)).toBe(`session:${id}`);
    expect(sessionIdFromKid(`session:${id}`)).toBe(id);
    expect(isSessionId(id)).toBe(true);
  });

  it.each([
    'S-dc7e234e01bcef297ac4f8742b956c0b',
    'session:S-DC7E234E01BCEF297AC4F8742B956C0B',
    'session:S-dc7e234e01bcef297ac4f8742b956c0',
    'session:S-dc7e234e01bcef297ac4f8742b956c0b0',
    'session:dc7e234e01bcef297ac4f8742b956c0b',
    'Session:S-dc7e234e01bcef297ac4f8742b956c0b',
    'session:S-dc7e234e01bcef297ac4f8742b956c0b\n',
    '',
  ])('refuses the kid %j', (kid) => {
    expect(() => sessionIdFromKid(kid)).toThrow(MalformedInputError);
  });

  it('refuses to build a kid from something that is not a session id', () => {
    expect(() => kidFromSessionId('S-123')).toThrow(TypeError);
  });
});

describe('AAD and envelopes', () => {
  it('the AAD is the UTF-8 of the four fields joined by "|"', () => {
    expect(text(buildAad({ timestamp: '1', nonce: UUID, kid: 'session:S-x', clientId: 'clïent' }))).toBe(`1|${UUID}|session:S-x|clïent`);
  });

  it('an envelope is exactly {"payload":"..."}', () => {
    expect(encodeEnvelope('AAAA')).toBe('{"payload":"AAAA"}');
  });

  it.each([
    ['null', null],
    ['an array', ['x']],
    ['a string', 'payload'],
    ['no payload', {}],
    ['a numeric payload', { payload: 1 }],
    ['a payload that is not base64', { payload: 'not base64' }],
    ['a 27-byte payload', { payload: encodeBase64(new Uint8Array(27)) }],
  ])('refuses a body that is %s', (_what, body) => {
    expect(() => parseEnvelope(body)).toThrow(MalformedInputError);
  });

  it('accepts a 28-byte payload, the size of an empty message', () => {
    expect(parseEnvelope({ payload: encodeBase64(new Uint8Array(28)) })).toHaveLength(28);
  });
});

describe('HMAC string to sign', () => {
  it('always signs POST and the route path', () => {
    expect(SIGNED_PATH).toBe('/api/v1/token/issue');
    expect(stringToSign({ timestamp: '1', nonce: 'n', bodyHashHex: 'h' })).toBe('POST\n/api/v1/token/issue\n1\nn\nh');
  });
});

describe('errors', () => {
  it('each class answers with its status and wire code, and the body never carries the detail', () => {
    const cases: [ProtocolError, number, string][] = [
      [new InvalidPublicKeyError('prefix 0x02'), 400, 'invalid_request'],
      [new DecryptionFailedError('tag mismatch'), 400, 'decryption_failed'],
      [new MalformedInputError('nonce too short'), 400, 'invalid_request'],
      [new InvalidTimestampError('600 s old'), 400, 'invalid_timestamp'],
    ];
    for (const [err, status, code] of cases) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.status).toBe(status);
      expect(err.toBody().error).toBe(code);
      expect(JSON.stringify(err.toBody())).not.toContain(err.detail);
    }
  });

  it('a body too large travels as invalid_request with 413', () => {
    expect(wireError('payload_too_large')).toBe('invalid_request');
    expect(ERROR_CODES.payload_too_large.status).toBe(413);
    expect(errorBody('payload_too_large')).toEqual({ error: 'invalid_request', error_description: ERROR_CODES.payload_too_large.description });
  });
});

describe('zeroize', () => {
  it('overwrites every given buffer and skips undefined', () => {
    const a = Uint8Array.from([1, 2, 3]);
    const b = new Uint8Array(Buffer.from('secret'));
    zeroize(a, undefined, b);
    expect([...a, ...b].every((x) => x === 0)).toBe(true);
  });
});

describe('wire error codes and public paths', () => {
  it('every code of the catalogue but payload_too_large travels under its own name', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      expect(isWireErrorCode(wireError(code))).toBe(true);
      expect(isWireErrorCode(code)).toBe(code !== 'payload_too_large');
    }
    expect(isWireErrorCode('made_up')).toBe(false);
    expect(isWireErrorCode('toString')).toBe(false);
  });

  it('a status other than the code\'s own and a challenge ride on the error, never in the body', () => {
    const err = new ProtocolError('invalid_request', 'dup', 'Already exists.', { status: 409, challenge: 'Bearer' });
    expect(err).toMatchObject({ status: 409, challenge: 'Bearer', code: 'invalid_request' });
    expect(err.toBody()).toEqual({ error: 'invalid_request', error_description: 'Already exists.' });
  });

  it('the HMAC signature covers the token issue path of the paths table', () => {
    expect(SIGNED_PATH).toBe(PATHS.tokenIssue);
  });
});
