/**
 * docs/protocol.md section 5: the envelope is bound to its session key and to its AAD
 * (timestamp, nonce, kid, client id). Changing any byte of it, or any of those fields,
 * is refused with one and the same `decryption_failed` answer, and nothing is forwarded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAad, decodeBase64, encodeBase64, encodeEnvelope, errorBody, protocol } from '@idsvc/protocol';
import type { SealedRequest, WireClient } from '../helpers/wire-client.js';
import { type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar;
let client: WireClient;
beforeEach(async () => {
  sidecar = await testSidecar();
  client = sidecar.client();
  await client.initSession();
});
afterEach(async () => {
  await sidecar.close();
});

const PATH = '/api/v1/revoke';
const PLAINTEXT = '{"token":"opaque-token-value","token_type_hint":"refresh_token"}';

/** The payload with one bit flipped at `index` (negative counts from the end). */
function flipped(request: SealedRequest, index: number): SealedRequest {
  const bytes = decodeBase64(request.payloadB64);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return { ...request, body: encodeEnvelope(encodeBase64(bytes)) };
}

async function expectRefused(request: SealedRequest): Promise<void> {
  const response = await client.send(request);
  expect(response.status).toBe(400);
  expect(response.headers['x-kid']).toBeUndefined();
  expect(JSON.parse(response.body)).toEqual(errorBody('decryption_failed'));
  expect(sidecar.fake.received).toHaveLength(0);
}

describe('tampering with the payload', () => {
  // Layout: IV (12 bytes) || ciphertext (plaintext length) || tag (16 bytes).
  it.each([
    ['the first byte of the IV', 0],
    ['the last byte of the IV', 11],
    ['the first byte of the ciphertext', 12],
    ['the last byte of the ciphertext', -17],
    ['the first byte of the tag', -16],
    ['the last byte of the tag', -1],
  ])('a bit flipped in %s', async (_name, index) => {
    await expectRefused(flipped(await client.seal(PATH, PLAINTEXT), index));
  });

  it('every single-bit flip of a whole payload is refused the same way', async () => {
    const request = await client.seal(PATH, '{}');
    const length = decodeBase64(request.payloadB64).length;
    const answers = new Set<string>();
    for (let byte = 0; byte < length; byte++) {
      const bytes = decodeBase64(request.payloadB64);
      bytes[byte] = bytes[byte]! ^ (1 << byte % 8);
      const response = await client.send({ ...request, body: encodeEnvelope(encodeBase64(bytes)) });
      answers.add(`${response.status} ${response.body}`);
    }
    expect([...answers]).toEqual([`400 ${JSON.stringify(errorBody('decryption_failed'))}`]);
  });

  it('a payload cut short by one byte', async () => {
    const request = await client.seal(PATH, PLAINTEXT);
    const bytes = decodeBase64(request.payloadB64);
    await expectRefused({ ...request, body: encodeEnvelope(encodeBase64(bytes.subarray(0, bytes.length - 1))) });
  });

  it('the untouched request still goes through afterwards (its nonce was not spent)', async () => {
    const request = await client.seal(PATH, PLAINTEXT);
    await expectRefused(flipped(request, 20));
    const result = await client.open(await client.send(request));
    expect(result).toMatchObject({ status: 200, encrypted: true });
  });
});

describe('tampering with the AAD fields', () => {
  it('the timestamp changed by one millisecond', async () => {
    const request = await client.seal(PATH, PLAINTEXT);
    const key = `${Number(request.timestamp) + 1}.${request.nonce}`;
    await expectRefused({ ...request, headers: { ...request.headers, 'x-idempotency-key': key } });
  });

  it('another nonce', async () => {
    const request = await client.seal(PATH, PLAINTEXT);
    const key = `${request.timestamp}.${crypto.randomUUID()}`;
    await expectRefused({ ...request, headers: { ...request.headers, 'x-idempotency-key': key } });
  });

  it('the kid of another session of the same client', async () => {
    const other = sidecar.client();
    await other.initSession();
    const request = await client.seal(PATH, PLAINTEXT);
    await expectRefused({ ...request, headers: { ...request.headers, 'x-kid': other.session!.kid } });
  });

  it('sealed with another client id in the AAD', async () => {
    const session = client.session!;
    const key = client.newKey();
    const aad = buildAad({ timestamp: key.timestamp, nonce: key.nonce, kid: session.kid, clientId: 'other-client' });
    const payloadB64 = await protocol.seal(session.key, aad, PLAINTEXT);
    await expectRefused({
      path: PATH,
      headers: { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-kid': session.kid, 'x-idempotency-key': key.header },
      body: encodeEnvelope(payloadB64),
      timestamp: key.timestamp,
      nonce: key.nonce,
      payloadB64,
    });
  });

  it('another client id in the header: the session is not that client\'s (401 invalid_session)', async () => {
    const request = await client.seal(PATH, PLAINTEXT);
    const response = await client.send({ ...request, headers: { ...request.headers, 'x-clientid': 'other-client' } });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual(errorBody('invalid_session'));
    expect(sidecar.fake.received).toHaveLength(0);
  });
});
