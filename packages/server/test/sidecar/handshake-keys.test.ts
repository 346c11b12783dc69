/**
 * The signed session init of docs/protocol.md section 12.1 as the sidecar serves it: every
 * answer carries a signature by the published handshake key and a key confirmation MAC,
 * computed over the transcript of this very request and answer; the JWKS publishes public
 * keys only; and without a handshake key there is no session at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  HANDSHAKE_HEADERS,
  buildHandshakeTranscript,
  decodePublicKey,
  encodeBase64,
  errorBody,
  generateKeyPairSync,
  parseIdempotencyKey,
  protocol,
  type HandshakeTranscriptFields,
} from '@idsvc/protocol';
import { handshakeKey, type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar;
afterEach(async () => {
  await sidecar.close();
});

const SIGNATURE = HANDSHAKE_HEADERS.signature.toLowerCase();
const KID = HANDSHAKE_HEADERS.kid.toLowerCase();
const CONFIRM = HANDSHAKE_HEADERS.confirm.toLowerCase();

interface Opened {
  status: number;
  headers: Record<string, string>;
  body: string;
  fields: HandshakeTranscriptFields;
  secret: Uint8Array;
}

/** A session init with our own key pair, so the test can rebuild the transcript and the shared secret. */
async function init(s: TestSidecar, extra: Record<string, string> = {}, subject?: string): Promise<Opened> {
  const clientId = 'dev-client';
  const { publicKey, privateKey } = generateKeyPairSync();
  const idempotencyKey = `${s.clock.now()}.${crypto.randomUUID()}`;
  const response = await s.app.inject({
    method: 'POST',
    url: '/api/v1/session/init',
    headers: { 'content-type': 'application/json', 'x-clientid': clientId, 'x-idempotency-key': idempotencyKey, ...extra },
    payload: JSON.stringify({ clientPublicKey: encodeBase64(publicKey) }),
  });
  const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
  if (response.statusCode !== 200) {
    privateKey.destroy();
    return { status: response.statusCode, headers, body: response.body, fields: undefined as never, secret: new Uint8Array(0) };
  }
  const body = JSON.parse(response.body) as { sessionId: string; serverPublicKey: string; encAlg: string; expiresInSec: number };
  const serverPublicKey = decodePublicKey(body.serverPublicKey);
  const secret = await protocol.sharedSecret(privateKey, serverPublicKey);
  privateKey.destroy();
  const { timestamp, nonce } = parseIdempotencyKey(idempotencyKey);
  const fields: HandshakeTranscriptFields = {
    clientId,
    clientPublicKey: publicKey,
    serverPublicKey,
    sessionId: body.sessionId,
    kid: headers['x-kid'] ?? '',
    encAlg: body.encAlg,
    expiresInSec: body.expiresInSec,
    timestamp,
    nonce,
    subject,
  };
  return { status: response.statusCode, headers, body: response.body, fields, secret };
}

async function publishedKeys(s: TestSidecar): Promise<{ status: number; headers: Record<string, unknown>; keys: Record<string, unknown>[] }> {
  const response = await s.app.inject({ method: 'GET', url: '/.well-known/sidecar-jwks.json' });
  return { status: response.statusCode, headers: response.headers, keys: (JSON.parse(response.body) as { keys: Record<string, unknown>[] }).keys };
}

describe('signed session init', () => {
  it('signs the transcript of each anonymous init with the published key and confirms the shared secret', async () => {
    sidecar = await testSidecar();
    const opened = await init(sidecar);
    expect(opened.status).toBe(200);
    const { keys } = await publishedKeys(sidecar);
    const jwk = keys.find((k) => k.kid === opened.headers[KID]);
    expect(jwk).toBeDefined();
    const transcript = buildHandshakeTranscript(opened.fields);
    expect(await protocol.verifyHandshakeSignature(jwk!, transcript, opened.headers[SIGNATURE])).toBe(true);
    const confirmKey = await protocol.deriveConfirmationKey(opened.secret, opened.fields.sessionId, 'dev-client');
    expect(await protocol.verifyHandshakeConfirmation(confirmKey, transcript, opened.headers[CONFIRM])).toBe(true);
    // The body is what it always was: the signature lives in headers only.
    expect(Object.keys(JSON.parse(opened.body) as object).sort()).toEqual(['encAlg', 'expiresInSec', 'serverPublicKey', 'sessionId']);
  });

  it('binds the subject of an authenticated init: the anonymous transcript does not verify', async () => {
    sidecar = await testSidecar();
    sidecar.fake.bearers.push({ token: 'good-token', clientId: 'dev-client', sub: 'test-user' });
    const opened = await init(sidecar, { authorization: 'Bearer good-token', 'x-subject': 'test-user' }, 'test-user');
    expect(opened.status).toBe(200);
    expect(opened.fields.expiresInSec).toBe(3600);
    const jwk = sidecar.fake.handshake.publicJwk;
    expect(await protocol.verifyHandshakeSignature(jwk, buildHandshakeTranscript(opened.fields), opened.headers[SIGNATURE])).toBe(true);
    const anonymous = buildHandshakeTranscript({ ...opened.fields, subject: undefined });
    expect(await protocol.verifyHandshakeSignature(jwk, anonymous, opened.headers[SIGNATURE])).toBe(false);
    const other = buildHandshakeTranscript({ ...opened.fields, subject: 'someone-else' });
    expect(await protocol.verifyHandshakeSignature(jwk, other, opened.headers[SIGNATURE])).toBe(false);
  });

  it('gives a signature that a substituted server key cannot reuse', async () => {
    sidecar = await testSidecar();
    const opened = await init(sidecar);
    const forged = buildHandshakeTranscript({ ...opened.fields, serverPublicKey: generateKeyPairSync().publicKey });
    expect(await protocol.verifyHandshakeSignature(sidecar.fake.handshake.publicJwk, forged, opened.headers[SIGNATURE])).toBe(false);
  });

  it('exposes the new headers to browser scripts when CORS is on', async () => {
    sidecar = await testSidecar({ env: { CORS_ORIGINS: 'https://app.example' } });
    const opened = await init(sidecar, { origin: 'https://app.example' });
    const exposed = (opened.headers['access-control-expose-headers'] ?? '').toLowerCase().split(/, */);
    expect(exposed).toEqual(expect.arrayContaining(['x-kid', KID, SIGNATURE, CONFIRM]));
  });

  it('puts no handshake header on a refusal', async () => {
    sidecar = await testSidecar();
    const refused = await init(sidecar, { 'x-clientid': 'nobody' });
    expect(refused.status).toBe(401);
    for (const name of [KID, SIGNATURE, CONFIRM]) expect(refused.headers[name]).toBeUndefined();
  });
});

describe('GET /.well-known/sidecar-jwks.json', () => {
  it('publishes the active key first, then the others, with public members only and a cache lifetime', async () => {
    sidecar = await testSidecar();
    const next = await handshakeKey();
    sidecar.fake.otherHandshakeKeys = [{ ...next.publicJwk, d: 'must-not-leak' } as never];
    const { status, headers, keys } = await publishedKeys(sidecar);
    expect(status).toBe(200);
    expect(keys.map((k) => k.kid)).toEqual([sidecar.fake.handshake.publicJwk.kid, next.publicJwk.kid]);
    for (const key of keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(headers['cache-control']).toBe('public, max-age=300');
  });
});

describe('where the handshake key comes from', () => {
  it('asks the identity API once, with the internal secret, and signs from memory afterwards', async () => {
    sidecar = await testSidecar();
    for (let i = 0; i < 3; i++) expect((await init(sidecar)).status).toBe(200);
    await publishedKeys(sidecar);
    // The stand-in counts only callers that carry the internal secret, like the real route.
    expect(sidecar.fake.handshakeFetches).toBe(1);
  });

  it('opens no session when it cannot get a key: 503, a plaintext error, nothing stored', async () => {
    sidecar = await testSidecar();
    sidecar.fake.handshakeFailure = { status: 500, body: '{}' };
    const refused = await init(sidecar);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual(errorBody('temporarily_unavailable'));
    expect((await sidecar.app.inject({ method: 'GET', url: '/.well-known/sidecar-jwks.json' })).statusCode).toBe(503);

    // Once the identity API answers again (after the short back-off), sessions open.
    sidecar.fake.handshakeFailure = undefined;
    sidecar.clock.advance(1_001);
    expect((await init(sidecar)).status).toBe(200);
  });

  it('keeps signing with the key it holds through a short outage at refresh time', async () => {
    sidecar = await testSidecar();
    expect((await init(sidecar)).status).toBe(200);
    sidecar.fake.handshakeFailure = { status: 502, body: '{}' };
    // Past refresh_at (one hour in the stand-in) but within the grace of a minute.
    sidecar.clock.advance(3_600_000 + 30_000);
    const during = await init(sidecar);
    expect(during.status).toBe(200);
    expect(during.headers[KID]).toBe(sidecar.fake.handshake.publicJwk.kid);
    expect(sidecar.fake.handshakeFetches).toBe(2);
    // Beyond the grace it stops: an answer it cannot sign is no answer.
    sidecar.clock.advance(60_000);
    expect((await init(sidecar)).status).toBe(503);
  });

  it('follows a rotation: a new active key signs once the identity API hands it out', async () => {
    sidecar = await testSidecar();
    const first = sidecar.fake.handshake;
    expect((await init(sidecar)).headers[KID]).toBe(first.publicJwk.kid);
    sidecar.fake.handshake = await handshakeKey();
    sidecar.fake.otherHandshakeKeys = [first.publicJwk];
    sidecar.clock.advance(3_600_001);
    const after = await init(sidecar);
    expect(after.headers[KID]).toBe(sidecar.fake.handshake.publicJwk.kid);
    expect(await protocol.verifyHandshakeSignature(sidecar.fake.handshake.publicJwk, buildHandshakeTranscript(after.fields), after.headers[SIGNATURE])).toBe(true);
  });
});
