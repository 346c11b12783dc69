/**
 * HMAC client authentication at token issue (docs/protocol.md section 7), checked against the
 * protocol's vectors made by an independent implementation.
 */
import { makeIdempotencyKey, signSync } from '@idsvc/protocol';
import { describe, expect, it } from 'vitest';
import { loadVectors } from '../../../protocol/test/support/vectors.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { INTERNAL_SECRET, ISSUE_BODY, basic, decodeJwt, oauthError, post, registerClient, withIdentity } from '../helpers/identity.js';

interface HmacCase {
  name: string;
  clientSecret: string;
  idempotencyKey: string;
  timestamp: string;
  body: string;
  signatureHex: string;
}
interface NegativeCase {
  name: string;
  kind: string;
  input: { registeredSecret: string; idempotencyKey: string; body: string; signatureHex: string };
  expected: { result: 'accept' | 'reject'; httpStatus?: number; errorCodes?: string[] };
}

const hmacCases = loadVectors<HmacCase>('hmac.json').cases;
const negativeCases = loadVectors<NegativeCase>('negative.json').cases.filter((c) => c.kind === 'hmac');
const PARTNER_SECRET = 'external-partner-hmac-secret-key-32chars!';

describe.each(await databaseTargets())('HMAC client authentication on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { internalSecret: INTERNAL_SECRET });
  // Signed requests are accepted only as a sidecar forwards them: with the internal secret.
  const viaSidecar = { 'x-idsvc-internal-auth': INTERNAL_SECRET };
  let partner: { id: string; secret: string } | undefined;
  const ready = async () => (partner ??= await registerClient(t.app, { id: 'external-partner-test', authMethod: 'hmac', secret: PARTNER_SECRET, scopes: ['orders.read'] }));

  const signed = (clientId: string, key: string, body: string, signature: string) =>
    post(t.app, '/api/v1/token/issue', { ...viaSidecar, 'x-clientid': clientId, 'x-idempotency-key': key, 'x-signature': signature }, body);

  it.each(hmacCases.filter((c) => c.body !== ''))('accepts the vector signature "$name" over the exact body bytes', async (c) => {
    const p = await ready();
    t.clock.set(Number(c.timestamp));
    const res = await signed(p.id, c.idempotencyKey, c.body, c.signatureHex);
    expect(res.statusCode, res.body).toBe(200);
    expect(decodeJwt(res.json<{ access_token: string }>().access_token).payload).toMatchObject({ client_id: p.id, scope: 'orders.read' });
  });

  it('authenticates a signed empty body, then refuses the body itself with 400 invalid_request', async () => {
    const p = await ready();
    const c = hmacCases.find((x) => x.body === '')!;
    t.clock.set(Number(c.timestamp));
    const res = await signed(p.id, c.idempotencyKey, c.body, c.signatureHex);
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it.each(negativeCases)('vector $name: $expected.result', async (c) => {
    const p = await ready();
    expect(c.input.registeredSecret).toBe(p.secret);
    t.clock.set(Number(c.input.idempotencyKey.split('.')[0]));
    const res = await signed(p.id, c.input.idempotencyKey, c.input.body, c.input.signatureHex);
    const accepted = c.expected.result === 'accept';
    expect(res.statusCode, res.body).toBe(accepted ? 200 : c.expected.httpStatus);
    // A refusal answers with one of the codes the vector names; an acceptance with none.
    expect(accepted ? [undefined] : c.expected.errorCodes).toContain(accepted ? undefined : oauthError(res));
  });

  it('refuses a signed request that did not come through a sidecar with 401 invalid_client, so it cannot be replayed here', async () => {
    const p = await ready();
    const key = makeIdempotencyKey(t.clock.now());
    const body = JSON.stringify(ISSUE_BODY);
    const signature = signSync({ secret: p.secret, timestamp: key.split('.')[0]!, nonce: key.slice(key.indexOf('.') + 1), body });
    const direct = { 'x-clientid': p.id, 'x-idempotency-key': key, 'x-signature': signature };
    // The probe's replay: the same signed request straight at the identity API, twice.
    for (const headers of [direct, direct, { ...direct, 'x-idsvc-internal-auth': 'guessed-internal-secret-of-32-characters' }]) {
      const res = await post(t.app, '/api/v1/token/issue', headers, body);
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_client');
    }
    // The same request as a sidecar forwards it (after its nonce check) is accepted.
    expect((await signed(p.id, key, body, signature)).statusCode).toBe(200);
  });

  it('refuses a malformed signature, a missing X-ClientId and an unknown client with 401 invalid_client', async () => {
    const p = await ready();
    const key = makeIdempotencyKey(t.clock.now());
    const body = JSON.stringify(ISSUE_BODY);
    const good = signSync({ secret: p.secret, timestamp: key.split('.')[0]!, nonce: key.slice(key.indexOf('.') + 1), body });
    for (const [clientId, signature] of [
      [p.id, 'zz'],
      [p.id, good.toUpperCase().replace(/[0-9]/g, 'G')],
      ['', good],
      ['nobody', good],
    ] as const) {
      const res = await post(t.app, '/api/v1/token/issue', { ...viaSidecar, 'x-idempotency-key': key, 'x-signature': signature, ...(clientId ? { 'x-clientid': clientId } : {}) }, body);
      expect(res.statusCode).toBe(401);
      expect(oauthError(res)).toBe('invalid_client');
    }
    expect((await signed(p.id, key, body, good)).statusCode).toBe(200);
  });

  it('refuses a signed request whose timestamp is outside the clock window with 400 invalid_timestamp', async () => {
    const p = await ready();
    const key = makeIdempotencyKey(t.clock.now() - 301_000);
    const body = JSON.stringify(ISSUE_BODY);
    const signature = signSync({ secret: p.secret, timestamp: key.split('.')[0]!, nonce: key.slice(key.indexOf('.') + 1), body });
    const res = await signed(p.id, key, body, signature);
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_timestamp');
  });

  it('refuses a signed request without a well-formed X-Idempotency-Key with 400 invalid_request', async () => {
    const p = await ready();
    const body = JSON.stringify(ISSUE_BODY);
    for (const key of ['', 'no-dot-here', `${t.clock.now()}.short`]) {
      const res = await post(t.app, '/api/v1/token/issue', { ...viaSidecar, 'x-clientid': p.id, 'x-signature': 'a'.repeat(64), ...(key ? { 'x-idempotency-key': key } : {}) }, body);
      expect(res.statusCode).toBe(400);
      expect(oauthError(res)).toBe('invalid_request');
    }
  });

  it('refuses a signature for a client registered for Basic', async () => {
    const b = await registerClient(t.app, { authMethod: 'basic', secret: PARTNER_SECRET });
    const key = makeIdempotencyKey(t.clock.now());
    const body = JSON.stringify(ISSUE_BODY);
    const signature = signSync({ secret: PARTNER_SECRET, timestamp: key.split('.')[0]!, nonce: key.slice(key.indexOf('.') + 1), body });
    const res = await signed(b.id, key, body, signature);
    expect(res.statusCode).toBe(401);
    expect(oauthError(res)).toBe('invalid_client');
  });

  it('refuses a request that uses Basic and a signature at once with 400 invalid_request (RFC 6749 section 2.3)', async () => {
    const p = await ready();
    const key = makeIdempotencyKey(t.clock.now());
    const body = JSON.stringify(ISSUE_BODY);
    const signature = signSync({ secret: p.secret, timestamp: key.split('.')[0]!, nonce: key.slice(key.indexOf('.') + 1), body });
    const res = await post(t.app, '/api/v1/token/issue', { ...viaSidecar, authorization: basic(p.id, p.secret), 'x-clientid': p.id, 'x-idempotency-key': key, 'x-signature': signature }, body);
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it('uses the whole HMAC secret: a key differing only after its 72nd byte does not sign for the client', async () => {
    const secret = `${'k'.repeat(90)}-one`;
    const h = await registerClient(t.app, { authMethod: 'hmac', secret, scopes: ['orders.read'] });
    const key = makeIdempotencyKey(t.clock.now());
    const [timestamp, nonce] = [key.split('.')[0]!, key.slice(key.indexOf('.') + 1)];
    const body = JSON.stringify(ISSUE_BODY);
    expect((await signed(h.id, key, body, signSync({ secret, timestamp, nonce, body }))).statusCode).toBe(200);
    const res = await signed(h.id, key, body, signSync({ secret: `${'k'.repeat(90)}-two`, timestamp, nonce, body }));
    expect(res.statusCode).toBe(401);
  });

  it('keeps the HMAC secret encrypted at rest, and a Basic secret only as a scrypt hash', async () => {
    const p = await ready();
    const b = await registerClient(t.app, { authMethod: 'basic' });
    const rows = await tdb.db.selectFrom('clients').selectAll().where('id', 'in', [p.id, b.id]).execute();
    const hmacRow = rows.find((r) => r.id === p.id)!;
    const basicRow = rows.find((r) => r.id === b.id)!;
    expect(hmacRow.secret_hash).toBeNull();
    expect(hmacRow.secret_box).toMatch(/^v1\./);
    expect(JSON.stringify(hmacRow)).not.toContain(p.secret);
    expect(Buffer.from(hmacRow.secret_box!.slice(3), 'base64url').includes(Buffer.from(p.secret))).toBe(false);
    expect(basicRow.secret_box).toBeNull();
    expect(basicRow.secret_hash).toMatch(/^scrypt2\$15\$8\$1\$/);
    expect(JSON.stringify(basicRow)).not.toContain(b.secret);
  });
});
