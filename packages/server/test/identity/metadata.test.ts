/**
 * `GET /.well-known/oauth-authorization-server` (RFC 8414) on a listening identity API:
 * every URL it names is under ISSUER and answers there, and what it lists (grant types,
 * signing algorithms, scopes) is what the server does.
 */
import { describe, expect, it } from 'vitest';
import { createIdentityApp, identityServicesOf } from '../../src/identity/app.js';
import { withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, basic, bearer, decodeJwt, issueTokens, registerClient, testConfig } from '../helpers/identity.js';
import { withListeningIdentity } from '../helpers/listening-identity.js';

const tdb = withDatabase({ kind: 'sqlite' });
const identity = withListeningIdentity(tdb);

type Metadata = Record<string, unknown> & { issuer: string; jwks_uri: string; scopes_supported: string[] };

async function metadata(): Promise<{ status: number; headers: Headers; body: Metadata }> {
  const res = await fetch(`${identity.issuer}/.well-known/oauth-authorization-server`);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Metadata };
}

async function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('authorization server metadata', () => {
  it('names the issuer that signs the tokens, and every URL under it', async () => {
    const { status, headers, body } = await metadata();
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toBe('public, max-age=300');
    expect(body.issuer).toBe(identity.issuer);
    const urls = Object.entries(body).filter(([key]) => key.endsWith('_uri') || key.endsWith('_endpoint'));
    expect(urls.map(([key]) => key).sort()).toEqual(['introspection_endpoint', 'jwks_uri', 'revocation_endpoint', 'token_endpoint', 'token_issue_endpoint']);
    for (const [, url] of urls) expect(url).toMatch(new RegExp(`^${identity.issuer}/`));

    const client = await registerClient(identity.app);
    const { access_token } = await issueTokens(identity.app, client);
    expect(decodeJwt(access_token).payload.iss).toBe(body.issuer);
  });

  it('each URL it names answers on the running server', async () => {
    const { body } = await metadata();
    const client = await registerClient(identity.app);
    const tokens = await issueTokens(identity.app, client);

    const jwks = await fetch(body.jwks_uri);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);

    const issued = await postJson(body.token_issue_endpoint as string, { authorization: basic(client.id, client.secret) }, ISSUE_BODY);
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('Bearer');

    const introspected = await postJson(body.introspection_endpoint as string, { authorization: bearer(tokens.access_token) }, { token: tokens.access_token });
    expect(introspected).toMatchObject({ status: 200, body: { active: true, iss: body.issuer } });

    const refreshed = await postJson(body.token_endpoint as string, { authorization: bearer(tokens.access_token) }, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.body.refresh_token).toBe('string');

    const revoked = await postJson(body.revocation_endpoint as string, { authorization: bearer(refreshed.body.access_token as string) }, { token: refreshed.body.refresh_token });
    expect(revoked).toEqual({ status: 200, body: {} });
  });

  it('lists only the grant type the token endpoint takes, and the algorithm of every published key', async () => {
    const { body } = await metadata();
    expect(body.grant_types_supported).toEqual(['refresh_token']);
    expect(body.response_types_supported).toEqual([]);
    const client = await registerClient(identity.app);
    const { access_token } = await issueTokens(identity.app, client);
    const other = await postJson(body.token_endpoint as string, { authorization: bearer(access_token) }, { grant_type: 'client_credentials' });
    expect(other).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });

    const { keys } = (await (await fetch(body.jwks_uri)).json()) as { keys: { alg: string }[] };
    for (const key of keys) expect(body.access_token_signing_alg_values_supported).toContain(key.alg);
    expect(body.access_token_signing_alg_values_supported).toContain(decodeJwt(access_token).header.alg);
  });

  it('lists the scopes of the active clients, and drops those of a disabled one', async () => {
    const admin = identityServicesOf(identity.app).admin;
    // A client of its own with the usual scopes, beside the one that brings billing.read.
    await registerClient(identity.app);
    await registerClient(identity.app, { id: 'meta-billing', scopes: ['billing.read', 'orders.read'] });
    expect((await metadata()).body.scopes_supported).toEqual(['billing.read', 'orders.read', 'orders.write']);
    await admin.disable('meta-billing');
    expect((await metadata()).body.scopes_supported).toEqual(['orders.read', 'orders.write']);
  });

  it('follows ISSUER, path included, and does not depend on the Host a request names', async () => {
    const issuer = 'https://id.example.test/auth';
    const app = await createIdentityApp({ config: testConfig(tdb, { ISSUER: issuer }), db: tdb.db, logger: false });
    try {
      const res = await app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: { host: 'attacker.example' } });
      const body = res.json<Metadata>();
      expect(body.issuer).toBe(issuer);
      expect(body.jwks_uri).toBe('https://id.example.test/auth/.well-known/jwks.json');
      expect(body.token_endpoint).toBe('https://id.example.test/auth/api/v1/token');
      expect(body.revocation_endpoint).toBe('https://id.example.test/auth/api/v1/revoke');
    } finally {
      await app.close();
    }
  });
});
