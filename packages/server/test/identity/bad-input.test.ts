/**
 * Bad input on every route gets a 4xx OAuth error `{error, error_description}`: never a 5xx
 * and never the framework's own error shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { ISSUE_BODY, basic, bearer, issueTokens, oauthError, post, registerClient, withIdentity } from '../helpers/identity.js';

const ROUTES = ['/api/v1/token/issue', '/api/v1/introspect', '/api/v1/token', '/api/v1/revoke'] as const;

describe.each(await databaseTargets())('bad input on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb);
  let client: { id: string; secret: string } | undefined;
  let access: string | undefined;
  /** Valid credentials for each route, so the body is what gets judged. */
  const auth = async (route: (typeof ROUTES)[number]): Promise<Record<string, string>> => {
    client ??= await registerClient(t.app);
    access ??= (await issueTokens(t.app, client)).access_token;
    return { authorization: route === '/api/v1/token/issue' ? basic(client.id, client.secret) : bearer(access) };
  };
  const send = async (route: (typeof ROUTES)[number], payload: string | Buffer, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: route, headers: { ...(await auth(route)), 'content-type': 'application/json', ...headers }, payload });

  it.each(ROUTES)('%s: a body that is not JSON answers 400 invalid_request', async (route) => {
    for (const payload of ['{', 'not json', '{"a":1,}', "{'a':1}", '\u0000']) {
      const res = await send(route, payload);
      expect(res.statusCode, payload).toBe(400);
      expect(oauthError(res)).toBe('invalid_request');
    }
  });

  it.each(ROUTES)('%s: an empty body answers 400 invalid_request', async (route) => {
    const res = await send(route, '');
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it.each(ROUTES)('%s: JSON that is not an object answers 400 invalid_request', async (route) => {
    for (const payload of ['[]', '"text"', '42', 'null', 'true']) {
      const res = await send(route, payload);
      expect(res.statusCode, payload).toBe(400);
      expect(oauthError(res)).toBe('invalid_request');
    }
  });

  it.each(ROUTES)('%s: a wrong content type answers 415', async (route) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const res = await send(route, '{}', { 'content-type': type });
      expect(res.statusCode, type).toBe(415);
      expect(oauthError(res)).toBe('unsupported_media_type');
    }
  });

  it.each(ROUTES)('%s: a body over the size limit answers 413 invalid_request', async (route) => {
    const res = await send(route, JSON.stringify({ token: 'x'.repeat(70 * 1024) }));
    expect(res.statusCode).toBe(413);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it.each(ROUTES)('%s: a prototype-poisoning body answers 400 invalid_request', async (route) => {
    const res = await send(route, '{"token":"x","audience":"a","subject":"s","grant_type":"refresh_token","__proto__":{"admin":true}}');
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it.each([
    ['subject as a number', { ...ISSUE_BODY, subject: 42 }],
    ['audience as a list', { ...ISSUE_BODY, audience: ['orders-api'] }],
    ['scope as a number', { ...ISSUE_BODY, scope: 1 }],
    ['include_refresh_token as a string', { ...ISSUE_BODY, include_refresh_token: 'yes' }],
    ['single_session as a number', { ...ISSUE_BODY, single_session: 1 }],
    ['custom_claims as a list', { ...ISSUE_BODY, custom_claims: ['a'] }],
    ['custom_claims as a string', { ...ISSUE_BODY, custom_claims: 'roles=admin' }],
    ['a missing subject', { audience: 'orders-api' }],
    ['a missing audience', { subject: 'u' }],
    ['an empty subject', { ...ISSUE_BODY, subject: '' }],
    ['an empty scope', { ...ISSUE_BODY, scope: '' }],
  ])('token issue with %s answers 400', async (_what, body) => {
    const res = await send('/api/v1/token/issue', JSON.stringify(body));
    expect(res.statusCode).toBe(400);
    expect(['invalid_request', 'invalid_scope']).toContain(oauthError(res));
  });

  it('ignores unknown members of a token request (RFC 6749 section 3.2)', async () => {
    const res = await send('/api/v1/token/issue', JSON.stringify({ ...ISSUE_BODY, extra: 'ignored', grant_type: 'whatever' }));
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['/api/v1/introspect', { token: 5 }],
    ['/api/v1/introspect', {}],
    ['/api/v1/introspect', { token: '' }],
    ['/api/v1/introspect', { token: 'x', token_type_hint: 7 }],
    ['/api/v1/revoke', { token: ['x'] }],
    ['/api/v1/revoke', {}],
    ['/api/v1/token', { grant_type: 5, refresh_token: 'x' }],
    ['/api/v1/token', { grant_type: 'refresh_token', refresh_token: 5 }],
    ['/api/v1/token', {}],
  ] as const)('%s with %j answers 400 invalid_request', async (route, body) => {
    const res = await send(route, JSON.stringify(body));
    expect(res.statusCode).toBe(400);
    expect(oauthError(res)).toBe('invalid_request');
  });

  it('answers unknown routes and methods with 404 not_found in the OAuth shape', async () => {
    for (const [method, url] of [
      ['GET', '/'],
      ['GET', '/api/v1/token/issue'],
      ['POST', '/api/v1/nothing'],
      ['DELETE', '/api/v1/revoke'],
      ['POST', '/.well-known/jwks.json'],
      ['GET', '/api/v1/introspect?token=x'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(oauthError(res)).toBe('not_found');
    }
  });

  it('answers a malformed bearer on every bearer route with 401 invalid_token', async () => {
    for (const route of ['/api/v1/introspect', '/api/v1/token', '/api/v1/revoke'] as const) {
      for (const authorization of ['Bearer', 'Bearer a.b', 'Bearer a.b.c', 'Bearer ' + 'e'.repeat(9000), 'Token abc', 'Bearer x y']) {
        const res = await post(t.app, route, { authorization }, { token: 'x', grant_type: 'refresh_token', refresh_token: 'x' });
        expect(res.statusCode, `${route} ${authorization.slice(0, 20)}`).toBe(401);
        expect(oauthError(res)).toBe('invalid_token');
      }
    }
  });

  it('never answers 5xx or a non-OAuth error shape, whatever JSON arrives (property)', async () => {
    const headers = await auth('/api/v1/token/issue');
    const bearerHeaders = await auth('/api/v1/introspect');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.jsonValue({ maxDepth: 3 }), async (route, value) => {
        const res = await t.app.inject({
          method: 'POST',
          url: route,
          headers: { ...(route === '/api/v1/token/issue' ? headers : bearerHeaders), 'content-type': 'application/json' },
          payload: JSON.stringify(value) ?? 'null',
        });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode >= 400) oauthError(res);
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx for arbitrary bytes as a body (property)', async () => {
    const headers = await auth('/api/v1/token/issue');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/token/issue', headers: { ...headers, 'content-type': 'application/json' }, payload: Buffer.from(bytes) });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode >= 400) oauthError(res);
      }),
      { numRuns: 150 },
    );
  });
});
