/**
 * docs/resource-servers.md, step by step, against a listening identity API: an `orders-api`
 * finds the JWKS through the metadata and verifies access tokens with jose; a revoked
 * token still verifies locally (until it expires) but introspects `{"active": false}`.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, generateKeyPair, errors } from 'jose';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../helpers/db.js';
import { bearer, issueTokens, registerClient } from '../helpers/identity.js';
import { withListeningIdentity } from '../helpers/listening-identity.js';

const tdb = withDatabase({ kind: 'sqlite' });
const identity = withListeningIdentity(tdb);

/** What the document's orders-api does at start: the metadata, then a remote key set. */
async function ordersApi() {
  const metadata = (await (await fetch(`${identity.issuer}/.well-known/oauth-authorization-server`)).json()) as {
    issuer: string;
    jwks_uri: string;
    introspection_endpoint: string;
  };
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  const checkAccessToken = async (token: string) =>
    (await jwtVerify(token, jwks, { issuer: metadata.issuer, audience: 'orders-api', typ: 'at+jwt', algorithms: ['ES256'] })).payload;
  const introspect = async (callerToken: string, token: string) => {
    const res = await fetch(metadata.introspection_endpoint, {
      method: 'POST',
      headers: { authorization: bearer(callerToken), 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { checkAccessToken, introspect };
}

describe('a resource server checking our access tokens', () => {
  it('verifies a fresh token locally, and introspection agrees', async () => {
    const api = await ordersApi();
    const client = await registerClient(identity.app);
    const { access_token } = await issueTokens(identity.app, client, { audience: 'orders-api', scope: 'orders.read', subject: 'alice' });
    const claims = await api.checkAccessToken(access_token);
    expect(claims).toMatchObject({ iss: identity.issuer, aud: 'orders-api', sub: 'alice', client_id: client.id, scope: 'orders.read' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(await api.introspect(access_token, access_token)).toMatchObject({ status: 200, body: { active: true, sub: 'alice' } });
  });

  it('a revoked token still verifies locally, but introspects {"active": false}', async () => {
    const api = await ordersApi();
    const client = await registerClient(identity.app);
    const user = await issueTokens(identity.app, client, { audience: 'orders-api', scope: 'orders.read', subject: 'bob' });
    // The introspecting side's own token of the same client (another family, not revoked).
    const own = await issueTokens(identity.app, client, { audience: 'orders-api', subject: 'orders-api' });

    const revoke = await fetch(`${identity.issuer}/api/v1/revoke`, {
      method: 'POST',
      headers: { authorization: bearer(user.access_token), 'content-type': 'application/json' },
      body: JSON.stringify({ token: user.access_token }),
    });
    expect(revoke.status).toBe(200);

    await expect(api.checkAccessToken(user.access_token)).resolves.toMatchObject({ sub: 'bob' });
    expect(await api.introspect(own.access_token, user.access_token)).toEqual({ status: 200, body: { active: false } });
    // Shown as the bearer itself, the revoked token is refused outright.
    expect((await api.introspect(user.access_token, user.access_token)).status).toBe(401);
  });

  it('refuses locally a token for another audience, and a JWT that is not one of ours', async () => {
    const api = await ordersApi();
    const client = await registerClient(identity.app, { audiences: ['orders-api', 'billing-api'] });
    const billing = await issueTokens(identity.app, client, { audience: 'billing-api', subject: 'carol' });
    await expect(api.checkAccessToken(billing.access_token)).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);

    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ client_id: client.id, scope: 'orders.read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'forged' })
      .setIssuer(identity.issuer)
      .setAudience('orders-api')
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await expect(api.checkAccessToken(forged)).rejects.toBeInstanceOf(errors.JOSEError);
  });
});
