/**
 * The OpenAPI document: the committed docs/openapi.json is the one the code generates, it
 * is a valid OpenAPI 3.1 document, `/openapi.json` serves it for the configured ISSUER, and
 * the answers it describes are the answers both services give.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createIdentityApp } from '../../src/identity/app.js';
import { formatOpenApiDocument, referenceOpenApiDocument } from '../../src/identity/openapi-document.js';
import * as shapes from '../../src/identity/openapi-schemas.js';
import { createSidecarApp } from '../../src/sidecar/app.js';
import { upstreamClientDirectory } from '../../src/sidecar/client-directory.js';
import { injectUpstream } from '../../src/sidecar/upstream-inject.js';
import { memoryStores } from '../../src/stores/index.js';
import { withDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, INTERNAL_SECRET, bearer, issueTokens, post, registerClient, testConfig } from '../helpers/identity.js';
import { WireClient, basicAuth, injectTransport } from '../helpers/wire-client.js';

// TypeBox checks a format only when told what it means.
FormatRegistry.Set('date-time', (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value));
FormatRegistry.Set('uri', (value) => URL.canParse(value));

const COMMITTED = new URL('../../../../docs/openapi.json', import.meta.url);

type Document = { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, unknown>> };

describe('the committed document', () => {
  let generated: Record<string, unknown>;
  beforeAll(async () => {
    generated = await referenceOpenApiDocument();
  });

  it('is the one the code generates (npm run openapi rewrites it)', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(committed, 'docs/openapi.json is out of date: run `npm run openapi` and commit it').toBe(formatOpenApiDocument(generated));
  });

  it('comes out the same on every run (no port, time or random value in it)', async () => {
    expect(formatOpenApiDocument(await referenceOpenApiDocument())).toBe(formatOpenApiDocument(generated));
  });

  it('passes the OpenAPI 3.1 schema validation', async () => {
    // The validator turns AJV's strict mode off by design (the OpenAPI meta-schemas need it off).
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(readFileSync(COMMITTED, 'utf8')) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents the identity, discovery and admin routes, the sidecar session init and key set, and no internal route', () => {
    const paths = (generated as Document).paths;
    expect(Object.keys(paths).sort()).toEqual([
      '/.well-known/jwks.json',
      '/.well-known/oauth-authorization-server',
      '/.well-known/sidecar-jwks.json',
      '/admin/v1/clients',
      '/admin/v1/clients/{clientId}',
      '/admin/v1/clients/{clientId}/disable',
      '/admin/v1/clients/{clientId}/rotate-secret',
      '/api/v1/introspect',
      '/api/v1/revoke',
      '/api/v1/session/init',
      '/api/v1/token',
      '/api/v1/token/issue',
      '/openapi.json',
    ]);
    // Request schemas come from the routes themselves.
    const issue = paths['/api/v1/token/issue']!.post as { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
    expect(issue.requestBody.content['application/json']!.schema.required).toEqual(['audience', 'subject']);
  });
});

describe('served and real answers', () => {
  const tdb = withDatabase({ kind: 'sqlite' });
  const issuer = 'https://id.example.test';
  let identity: FastifyInstance;
  let sidecar: FastifyInstance;

  beforeAll(async () => {
    const config = testConfig(tdb, { ISSUER: issuer, INTERNAL_SECRET });
    identity = await createIdentityApp({ config, db: tdb.db, logger: false, internalSecret: INTERNAL_SECRET });
    sidecar = await createSidecarApp({
      config,
      internalSecret: INTERNAL_SECRET,
      upstream: injectUpstream(identity),
      clients: upstreamClientDirectory(injectUpstream(identity), INTERNAL_SECRET),
      stores: memoryStores(config),
    });
  });
  afterAll(async () => {
    await sidecar?.close();
    await identity?.close();
  });

  const fits = (schema: TSchema, value: unknown) => {
    const errors = [...Value.Errors(schema, value)].map((e) => `${e.path} ${e.message}`);
    expect(errors, JSON.stringify(value)).toEqual([]);
  };

  it('GET /openapi.json serves the document with the configured ISSUER as its server', async () => {
    const res = await identity.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const served = res.json<Document>();
    const reference = (await referenceOpenApiDocument()) as Document;
    expect(served.servers[0]!.url).toBe(issuer);
    expect({ ...served, servers: reference.servers }).toEqual(reference);
  });

  it('the identity and discovery answers have the documented shapes', async () => {
    const client = await registerClient(identity);
    const tokens = await issueTokens(identity, client);
    fits(shapes.TokenResponse, tokens);
    const active = await post(identity, '/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.access_token });
    fits(shapes.IntrospectionResponse, active.json());
    const refresh = await post(identity, '/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    fits(shapes.IntrospectionResponse, refresh.json());
    const unknown = await post(identity, '/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: 'nothing' });
    expect(unknown.json()).toEqual({ active: false });
    const refreshed = await post(identity, '/api/v1/token', { authorization: bearer(tokens.access_token) }, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    fits(shapes.TokenResponse, refreshed.json());
    const revoked = await post(identity, '/api/v1/revoke', { authorization: bearer(tokens.access_token) }, { token: tokens.access_token });
    fits(shapes.EmptyObject, revoked.json());
    fits(shapes.ErrorBody, (await post(identity, '/api/v1/revoke', {}, { token: 'x' })).json());
    fits(shapes.Jwks, (await identity.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json());
    fits(shapes.AuthorizationServerMetadata, (await identity.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json());
  });

  it('the admin answers have the documented shapes', async () => {
    const admin = { authorization: bearer(ADMIN_TOKEN) };
    const created = await post(identity, '/admin/v1/clients', admin, { name: 'Shop', auth_method: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] });
    expect(created.statusCode).toBe(201);
    fits(shapes.ClientWithSecret, created.json());
    const id = created.json<{ client_id: string }>().client_id;
    fits(shapes.ClientList, (await identity.inject({ method: 'GET', url: '/admin/v1/clients', headers: admin })).json());
    fits(shapes.ClientView, (await identity.inject({ method: 'GET', url: `/admin/v1/clients/${id}`, headers: admin })).json());
    const patched = await identity.inject({ method: 'PATCH', url: `/admin/v1/clients/${id}`, headers: { ...admin, 'content-type': 'application/json' }, payload: { name: 'Shop 2' } });
    fits(shapes.ClientView, patched.json());
    const rotated = await identity.inject({ method: 'POST', url: `/admin/v1/clients/${id}/rotate-secret`, headers: admin });
    expect(rotated.statusCode).toBe(200);
    fits(shapes.ClientWithSecret, rotated.json());
    fits(shapes.ClientView, (await identity.inject({ method: 'POST', url: `/admin/v1/clients/${id}/disable`, headers: admin })).json());
    fits(shapes.ErrorBody, (await identity.inject({ method: 'GET', url: '/admin/v1/clients/nobody', headers: admin })).json());
  });

  it('the sidecar’s session init, envelopes and plaintext errors have the documented shapes', async () => {
    const client = await registerClient(identity);
    const wire = new WireClient({ transport: injectTransport(sidecar), clientId: client.id });
    const init = await wire.initSession();
    expect(init.status).toBe(200);
    fits(shapes.SessionInitAnswer, JSON.parse(init.body));

    const plaintext = JSON.stringify({ audience: 'orders-api', scope: 'orders.read', subject: 'u1' });
    const sealed = await wire.seal('/api/v1/token/issue', plaintext, { authorization: basicAuth(client.id, client.secret) });
    fits(shapes.Envelope, JSON.parse(sealed.body));
    const answer = await wire.send(sealed);
    expect(answer.status).toBe(200);
    fits(shapes.Envelope, JSON.parse(answer.body));

    // A replayed request cannot be answered under the session key: a plaintext error.
    const replay = await wire.send(sealed);
    expect(replay.status).toBe(409);
    fits(shapes.SidecarError, JSON.parse(replay.body));
    const unknownClient = await new WireClient({ transport: injectTransport(sidecar), clientId: 'nobody' }).initSession();
    expect(unknownClient.status).toBe(401);
    fits(shapes.SidecarError, JSON.parse(unknownClient.body));
  });
});
