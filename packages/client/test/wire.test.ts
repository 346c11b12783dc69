import { describe, expect, it } from 'vitest';
import { maskCredential, maskHeaders } from '../src/wire.js';

describe('wire detail shown to users', () => {
  it('masks Basic credentials to the scheme and four characters', () => {
    expect(maskCredential('Basic ZGV2LWNsaWVudDpEZXZTZWMtTHdnVDd2WEda')).toBe('Basic ZGV2…');
  });

  it('masks bearer tokens and signatures the same way', () => {
    expect(maskCredential('Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.sig')).toBe('Bearer eyJh…');
    expect(maskCredential('9f86d081884c7d659a2feaa0c55ad015')).toBe('9f86…');
  });

  it('masks Authorization and X-Signature whatever their case, and nothing else', () => {
    const masked = maskHeaders({
      Authorization: 'Basic c2VjcmV0c2VjcmV0',
      'x-signature': 'abcdef0123456789',
      'X-ClientId': 'dev-client',
      'X-Idempotency-Key': '1700000000000.0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
    });
    expect(masked).toEqual({
      Authorization: 'Basic c2Vj…',
      'x-signature': 'abcd…',
      'X-ClientId': 'dev-client',
      'X-Idempotency-Key': '1700000000000.0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
    });
  });
});
