/** The identity API on its own port, over real HTTP, and what it logs. */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityApp } from '../../src/identity/app.js';
import { REDACT_PATHS } from '../../src/lib/logging.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { INTERNAL_SECRET, ISSUE_BODY, basic, bearer, registerClient, testConfig } from '../helpers/identity.js';

describe.each(await databaseTargets())('identity app over HTTP on $kind', (target) => {
  const tdb = withDatabase(target);
  const lines: string[] = [];
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    // Log headers too (Fastify's default serializer does not), to prove the redaction holds.
    const logger = pino(
      {
        level: 'trace',
        redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
        serializers: { req: (req: { method: string; url: string; headers: unknown }) => ({ method: req.method, url: req.url, headers: req.headers }) },
      },
      { write: (line: string) => void lines.push(line) },
    );
    app = await createIdentityApp({ config: testConfig(tdb, { IDENTITY_PORT: '0' }), db: tdb.db, logger, internalSecret: INTERNAL_SECRET });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => app?.close());

  it('serves issue, introspection and the JWKS over HTTP, with the request id of the caller', async () => {
    const client = await registerClient(app);
    const issued = await fetch(`${base}/api/v1/token/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: basic(client.id, client.secret), 'x-request-id': 'req-http-1' },
      body: JSON.stringify(ISSUE_BODY),
    });
    expect(issued.status).toBe(200);
    const tokens = (await issued.json()) as { access_token: string; refresh_token: string };
    const intro = await fetch(`${base}/api/v1/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(tokens.access_token), 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-signature': 'f'.repeat(64) },
      body: JSON.stringify({ token: tokens.access_token }),
    });
    expect(await intro.json()).toMatchObject({ active: true });
    const jwks = await fetch(`${base}/.well-known/jwks.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThanOrEqual(2);

    const log = lines.join('\n');
    expect(log).toContain('req-http-1');
    expect(log).toContain('[redacted]');
    for (const secret of [client.secret, Buffer.from(`${client.id}:${client.secret}`).toString('base64'), tokens.access_token, tokens.refresh_token, INTERNAL_SECRET, 'f'.repeat(64)]) {
      expect(log).not.toContain(secret);
    }
  });

  it('answers a body over the limit and a bad path over HTTP in the OAuth shape', async () => {
    const big = await fetch(`${base}/api/v1/token/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'x'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    const body = (await big.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    const missing = await fetch(`${base}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', error_description: expect.any(String) });
  });
});
