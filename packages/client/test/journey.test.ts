import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClient, ServiceError, type TokenResponse } from '@idsvc/client';
import { DEV_BASIC, DEV_HMAC, startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.close();
});

const ISSUE = {
  audience: 'orders-api',
  subject: 'test-user',
  includeRefreshToken: true,
  singleSession: true,
  customClaims: { roles: 'admin', tenant: 'test-corp' },
};

describe('the 6-step journey through the real sidecar', () => {
  for (const [label, credentials, authMethod, scope] of [
    ['Basic', DEV_BASIC, 'basic', 'orders.read orders.write'],
    ['HMAC', DEV_HMAC, 'hmac', 'orders.read'],
  ] as const) {
    it(`runs end to end with ${label} client authentication`, async () => {
      const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...credentials, authMethod });

      // 1. anonymous session
      const { session: anonymous, wire: initWire } = await client.initSession();
      expect(anonymous.authenticated).toBe(false);
      expect(anonymous.expiresInSec).toBe(1800);
      expect(anonymous.kid).toBe(`session:${anonymous.sessionId}`);
      expect(initWire.status).toBe(200);
      expect(initWire.responseHeaders['x-kid']).toBe(anonymous.kid);

      // 2. issue
      const issued = await client.issue({ ...ISSUE, scope });
      const tokens: TokenResponse = issued.data;
      expect(issued.status).toBe(200);
      expect(tokens.token_type).toBe('Bearer');
      expect(tokens.scope).toBe(scope);
      expect(typeof tokens.refresh_token).toBe('string');
      expect(JSON.parse(issued.wire.requestBodyPlaintext)).toEqual({
        audience: 'orders-api',
        scope,
        subject: 'test-user',
        include_refresh_token: true,
        single_session: true,
        custom_claims: { roles: 'admin', tenant: 'test-corp' },
      });
      // HMAC clients sign (and send no Authorization); basic clients send a shortened Authorization.
      const hmacHeaders = { signature: expect.stringMatching(/^[0-9a-f]{4}…$/), authorization: undefined };
      const basicHeaders = { signature: undefined, authorization: 'Basic ZGV2…' };
      expect({ signature: issued.wire.requestHeaders['X-Signature'], authorization: issued.wire.requestHeaders.Authorization }).toEqual(
        authMethod === 'hmac' ? hmacHeaders : basicHeaders,
      );

      // 3. introspect
      const introspected = await client.introspect(tokens.access_token);
      expect(introspected.data).toMatchObject({
        active: true,
        sub: 'test-user',
        client_id: credentials.clientId,
        scope,
        roles: 'admin',
        tenant: 'test-corp',
      });

      // 4. authenticated session; the anonymous key is overwritten
      const { session: authenticated } = await client.openAuthenticatedSession({
        accessToken: tokens.access_token,
        subject: 'test-user',
      });
      expect(authenticated.authenticated).toBe(true);
      expect(authenticated.expiresInSec).toBe(3600);
      expect(authenticated.sessionId).not.toBe(anonymous.sessionId);
      expect(anonymous.zeroized).toBe(true);
      expect(client.session).toBe(authenticated);

      // 5. refresh with rotation
      const rotated = await client.refresh({ refreshToken: tokens.refresh_token!, accessToken: tokens.access_token });
      expect(rotated.data.access_token).not.toBe(tokens.access_token);
      expect(rotated.data.refresh_token).not.toBe(tokens.refresh_token);
      expect(rotated.wire.requestHeaders['X-Kid']).toBe(authenticated.kid);

      // 6. revoke the family
      const revoked = await client.revoke({
        token: rotated.data.refresh_token!,
        tokenTypeHint: 'refresh_token',
        accessToken: rotated.data.access_token,
      });
      expect(revoked.status).toBe(200);
      expect(revoked.data).toEqual({});

      // The family is dead: introspection says inactive (RFC 7662), and the step-5 access
      // token, presented as the bearer, is refused.
      expect((await client.introspect(rotated.data.access_token)).data).toEqual({ active: false });
      const refused = await client
        .introspect(rotated.data.access_token, { bearer: rotated.data.access_token })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ServiceError);
      expect(refused).toMatchObject({ status: 401, code: 'invalid_token', encrypted: true });
      client.close();
      expect(authenticated.zeroized).toBe(true);
    });
  }

  it('shows the wire of an exchange with credentials masked and nothing secret in it', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { wire } = await client.issue({ ...ISSUE, scope: 'orders.read' });
    expect(wire.url).toBe(`${stack.sidecarUrl}/api/v1/token/issue`);
    expect(wire.requestHeaders['X-ClientId']).toBe('dev-client');
    expect(wire.requestHeaders['X-Idempotency-Key']).toMatch(/^\d{13}\.[0-9a-f-]{36}$/);
    expect(JSON.parse(wire.requestBodyEncrypted!)).toEqual({ payload: expect.any(String) });
    expect(JSON.parse(wire.responseBodyEncrypted!)).toEqual({ payload: expect.any(String) });
    expect(wire.responseHeaders['x-idempotency-key']).toMatch(/^\d+\.[^.]+$/);
    expect(JSON.parse(wire.responseBodyPlaintext!)).toMatchObject({ token_type: 'Bearer' });
    expect(wire.durationMs).toBeGreaterThan(0);
    const shown = JSON.stringify(wire);
    expect(shown).not.toContain(DEV_BASIC.clientSecret);
    expect(shown).not.toContain(Buffer.from(`dev-client:${DEV_BASIC.clientSecret}`).toString('base64'));
    client.close();
  });

  it('opens a session by itself on first use', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const result = await client.issue({ ...ISSUE, scope: 'orders.read' });
    expect(result.sessionRenewal?.session.authenticated).toBe(false);
    expect(result.attempts).toBe(1);
    expect(client.session).toBe(result.sessionRenewal?.session);
    client.close();
  });
});
