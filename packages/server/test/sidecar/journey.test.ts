/**
 * docs/protocol.md section 9 end to end: the 6-step journey through the sidecar and the real
 * identity API of one embedded stack, for the Basic client and for the HMAC client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from '@idsvc/protocol';
import { loadConfig } from '../../src/config.js';
import { type Stack, startStack } from '../../src/stack.js';
import { WireClient, basicAuth, httpTransport } from '../helpers/wire-client.js';

const DEV_CLIENT = { id: 'dev-client', secret: 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!', scope: 'orders.read orders.write' };
const HMAC_CLIENT = { id: 'external-partner-test', secret: 'external-partner-hmac-secret-key-32chars!', scope: 'orders.read' };

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idsvc-journey-'));
  const config = loadConfig({
    MODE: 'development',
    LOG_LEVEL: 'silent',
    SQLITE_PATH: join(dir, 'identity.db'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    INTERNAL_SECRET: randomBytes(32).toString('hex'),
    IDENTITY_PORT: '0',
    SIDECAR_PORT: '0',
  });
  stack = await startStack(config);
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

// The numbered steps are one journey: each goes on from the session and tokens the step
// before left, so they keep their written order even in a shuffled run.
describe('the journey, step by step', { shuffle: false }, () => describe.each([
  { name: 'Basic client (dev-client)', client: DEV_CLIENT, hmac: false },
  { name: 'HMAC client (external-partner-test)', client: HMAC_CLIENT, hmac: true },
])('the 6-step journey: $name', ({ client: registered, hmac }) => {
  let wire: WireClient;
  let step2: Tokens;
  let step5: Tokens;

  /** Token issue with the client's own auth method. */
  async function issue(body: object) {
    return wire.call('/api/v1/token/issue', body, hmac ? { hmacSecret: registered.secret } : { authorization: basicAuth(registered.id, registered.secret) });
  }

  beforeAll(() => {
    wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: registered.id });
  });

  it('1. session init: an anonymous ECDH session of 1800 s', async () => {
    const response = await wire.initSession();
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ encAlg: 'A256GCM', expiresInSec: 1800 });
  });

  it(`2. token issue (${hmac ? 'HMAC signature' : 'Basic'} + GCM): access and refresh token`, async () => {
    const result = await issue({
      audience: 'orders-api',
      scope: registered.scope,
      subject: 'test-user',
      include_refresh_token: true,
      single_session: true,
      custom_claims: { roles: 'admin', tenant: 'test-corp' },
    });
    expect(result.encrypted).toBe(true);
    expect(result.status).toBe(200);
    step2 = result.json as Tokens;
    expect(step2).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: registered.scope });
    expect(step2.access_token.split('.')).toHaveLength(3);
    expect(typeof step2.refresh_token).toBe('string');
  });

  it('3. introspection (Bearer + GCM): the token is active, with its claims', async () => {
    const result = await wire.call('/api/v1/introspect', { token: step2.access_token, token_type_hint: 'access_token' }, { authorization: `Bearer ${step2.access_token}` });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({
      active: true,
      client_id: registered.id,
      sub: 'test-user',
      scope: registered.scope,
      aud: 'orders-api',
      roles: 'admin',
      tenant: 'test-corp',
    });
  });

  it('4. authenticated session init (Bearer + X-Subject): 3600 s, the old key zeroized', async () => {
    const oldKey = wire.session!.key;
    const oldKid = wire.session!.kid;
    const response = await wire.initSession({ bearer: step2.access_token, subject: 'test-user' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ expiresInSec: 3600 });
    expect(wire.session!.kid).not.toBe(oldKid);
    expect(oldKey.every((b) => b === 0)).toBe(true);
  });

  it('4b. an authenticated session init for another subject is refused with 401 unauthorized', async () => {
    const other = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: registered.id });
    const response = await other.initSession({ bearer: step2.access_token, subject: 'someone-else' });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'unauthorized' });
  });

  it('5. refresh (Bearer + GCM): tokens rotated', async () => {
    const result = await wire.call(
      '/api/v1/token',
      { grant_type: 'refresh_token', refresh_token: step2.refresh_token },
      { authorization: `Bearer ${step2.access_token}` },
    );
    expect(result.status).toBe(200);
    step5 = result.json as Tokens;
    expect(step5.access_token).not.toBe(step2.access_token);
    expect(step5.refresh_token).not.toBe(step2.refresh_token);
  });

  it('6. revoke (Bearer + GCM): the refresh token, and with it the whole family', async () => {
    const result = await wire.call(
      '/api/v1/revoke',
      { token: step5.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: `Bearer ${step5.access_token}` },
    );
    expect(result).toMatchObject({ status: 200, encrypted: true, json: {} });
  });

  it('after 6: the step-5 access token as a bearer answers 401 invalid_token', async () => {
    const result = await wire.call('/api/v1/introspect', { token: step5.access_token }, { authorization: `Bearer ${step5.access_token}` });
    expect(result.encrypted).toBe(true);
    expect(result.status).toBe(401);
    expect(result.json).toMatchObject({ error: 'invalid_token' });
  });

  it('after 6: the step-5 access token introspected with another valid bearer answers exactly {"active": false}', async () => {
    const fresh = (await issue({ audience: 'orders-api', scope: registered.scope, subject: 'another-user' })).json as Tokens;
    const result = await wire.call('/api/v1/introspect', { token: step5.access_token }, { authorization: `Bearer ${fresh.access_token}` });
    expect(result.status).toBe(200);
    expect(result.text).toBe('{"active":false}');
    expect(result.json).toEqual({ active: false });
  });
}));

describe('auth method of the other kind through the sidecar', () => {
  it('an HMAC client presenting Basic is refused with an encrypted 401 invalid_client', async () => {
    const wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: HMAC_CLIENT.id });
    await wire.initSession();
    const result = await wire.call('/api/v1/token/issue', { audience: 'orders-api', subject: 'u' }, { authorization: basicAuth(HMAC_CLIENT.id, HMAC_CLIENT.secret) });
    expect(result).toMatchObject({ status: 401, encrypted: true, json: { error: 'invalid_client' } });
  });

  it('a signature over other bytes than those sent is refused with 401 invalid_client', async () => {
    const wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: HMAC_CLIENT.id });
    await wire.initSession();
    const body = '{"audience":"orders-api","subject":"u"}';
    const request = await wire.seal('/api/v1/token/issue', body);
    const { protocol } = await import('@idsvc/protocol');
    request.headers['x-signature'] = await protocol.sign({
      secret: HMAC_CLIENT.secret,
      timestamp: request.timestamp,
      nonce: request.nonce,
      body: '{"audience": "orders-api", "subject": "u"}',
    });
    const result = await wire.open(await wire.send(request));
    expect(result).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
  });
});

describe('the embedded stack', () => {
  it('refuses a client id the identity database does not know', async () => {
    const wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: 'not-registered' });
    const response = await wire.initSession();
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual(errorBody('invalid_client'));
  });

  it('serves the identity API on its own port too (JWKS)', async () => {
    const response = await fetch(new URL('/.well-known/jwks.json', stack.identityUrl));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });
});
