/**
 * The OpenAPI 3.1 document of the identity API, the admin API and the sidecar's plaintext
 * surface, served at `GET /openapi.json` and committed as docs/openapi.json.
 *
 * `@fastify/swagger` collects the routes as they are registered, with their own request
 * schemas (bodies, path parameters); {@link ROUTE_DOCS} adds what a route does not declare:
 * a summary, who may call it and what it answers. A route without an entry there (health,
 * metrics, the sidecar's internal routes) is left out. The sidecar is another process, so
 * its session init and its plaintext shapes are written here rather than collected.
 *
 * The document holds nothing of the running process (no port, no time): only `ISSUER`
 * changes it, as the server URL, and the admin paths are there only when the admin API is.
 */
import { createRequire } from 'node:module';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { RotateBody } from './admin/routes.js';
import {
  AuthorizationServerMetadata,
  ClientList,
  ClientView,
  ClientWithSecret,
  EmptyObject,
  Envelope,
  ErrorBody,
  IntrospectionResponse,
  Jwks,
  SessionInitAnswer,
  SessionInitBody,
  SidecarError,
  TokenResponse,
} from './openapi-schemas.js';

export const OPENAPI_PATH = '/openapi.json';

/** Where the sidecar listens is the deployment's choice; the document names its default. */
const SIDECAR_DEFAULT_URL = 'http://localhost:8141';

const packageVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** A TypeBox schema as plain JSON (without TypeBox's symbol keys). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function json(description: string, schemaName: string) {
  return { description, content: { 'application/json': { schema: ref(schemaName) } } };
}

function error(description: string) {
  return json(description, 'Error');
}

/** The answers every identity route may give besides its own. */
const COMMON_ERRORS = {
  '415': error('The body is not `application/json` (`unsupported_media_type`).'),
  '503': error('The database is unavailable, or too many secret checks are waiting (`temporarily_unavailable`).'),
};

interface RouteDoc {
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  response: Record<string, unknown>;
}

const ADMIN_ERRORS = {
  '401': error('The admin token is missing or wrong (`invalid_token`).'),
  '404': error('No client with that id (`not_found`).'),
};

/** What each documented route says beyond its request schema, by `METHOD path`. */
const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /api/v1/token/issue': {
    tags: ['tokens'],
    summary: 'Issue an access token (and a refresh token) in a new token family',
    description:
      'The client authenticates with HTTP Basic, or with an HMAC-SHA256 signature of the exact body bytes (`X-Signature`, `X-ClientId`, `X-Idempotency-Key`), as its registration says. The audience and the scopes must be among the client’s own.',
    security: [{ clientBasic: [] }, { clientHmac: [] }],
    response: {
      '200': json('The tokens.', 'TokenResponse'),
      '400': error('Bad body (`invalid_request`), a scope (`invalid_scope`) or audience (`invalid_target`) the client may not ask for.'),
      '401': error('Client authentication failed (`invalid_client`).'),
      ...COMMON_ERRORS,
    },
  },
  'POST /api/v1/introspect': {
    tags: ['tokens'],
    summary: 'Introspect a token of the caller (RFC 7662)',
    description: 'The caller shows a live access token as its bearer. A token that is not live, or not the caller’s, is `{"active": false}`.',
    security: [{ accessToken: [] }],
    response: {
      '200': json('The token’s state and claims.', 'IntrospectionResponse'),
      '400': error('Bad body (`invalid_request`).'),
      '401': error('The bearer is missing, invalid, expired or revoked (`invalid_token`).'),
      ...COMMON_ERRORS,
    },
  },
  'POST /api/v1/token': {
    tags: ['tokens'],
    summary: 'Refresh: spend a refresh token for a new access token and refresh token',
    description:
      'The bearer is an access token of the client (it may have expired, but must be correctly signed and unrevoked). Spending a refresh token twice revokes its whole family.',
    security: [{ accessToken: [] }],
    response: {
      '200': json('The new tokens.', 'TokenResponse'),
      '400': error('Bad body (`invalid_request`), a `grant_type` other than `refresh_token` (`unsupported_grant_type`), or a refresh token that is not live (`invalid_grant`).'),
      '401': error('The bearer is missing or invalid (`invalid_token`).'),
      ...COMMON_ERRORS,
    },
  },
  'POST /api/v1/revoke': {
    tags: ['tokens'],
    summary: 'Revoke a token of the caller and its family (RFC 7009)',
    description: 'The answer is `{}` whether or not the token was known. The bearer may have expired.',
    security: [{ accessToken: [] }],
    response: {
      '200': json('Done (or nothing to do).', 'Empty'),
      '400': error('Bad body (`invalid_request`).'),
      '401': error('The bearer is missing or invalid (`invalid_token`).'),
      ...COMMON_ERRORS,
    },
  },
  'GET /.well-known/jwks.json': {
    tags: ['discovery'],
    summary: 'The public keys that verify access tokens',
    description: 'The active key, the next one (published before it signs) and retired keys whose tokens may still be live. Cacheable for 300 seconds.',
    response: { '200': json('The key set (RFC 7517).', 'Jwks') },
  },
  'GET /.well-known/oauth-authorization-server': {
    tags: ['discovery'],
    summary: 'Authorization server metadata (RFC 8414)',
    description: 'Every URL is built from `ISSUER`. `scopes_supported` is the union of the active clients’ scopes. Cacheable for 300 seconds.',
    response: { '200': json('The metadata.', 'AuthorizationServerMetadata') },
  },
  [`GET ${OPENAPI_PATH}`]: {
    tags: ['discovery'],
    summary: 'This document',
    response: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
  },
  'POST /admin/v1/clients': {
    tags: ['admin'],
    summary: 'Register a client',
    description: 'The secret is generated (256 random bits) unless `client_secret` is given, and is shown in this answer only.',
    security: [{ adminToken: [] }],
    response: {
      '201': json('The client, with its secret.', 'ClientWithSecret'),
      '400': error('Bad body (`invalid_request`).'),
      '401': ADMIN_ERRORS['401'],
      '409': error('A client with that id exists (`invalid_request`).'),
    },
  },
  'GET /admin/v1/clients': {
    tags: ['admin'],
    summary: 'List the clients (without secrets)',
    security: [{ adminToken: [] }],
    response: { '200': json('Every client, by id.', 'ClientList'), '401': ADMIN_ERRORS['401'] },
  },
  'GET /admin/v1/clients/{clientId}': {
    tags: ['admin'],
    summary: 'Show a client (without its secret)',
    security: [{ adminToken: [] }],
    response: { '200': json('The client.', 'Client'), ...ADMIN_ERRORS },
  },
  'PATCH /admin/v1/clients/{clientId}': {
    tags: ['admin'],
    summary: 'Change a client’s name, scopes, audiences or status',
    description: 'Tokens already issued keep their scopes and audience until they expire or are revoked.',
    security: [{ adminToken: [] }],
    response: { '200': json('The client as changed.', 'Client'), '400': error('Bad body (`invalid_request`).'), ...ADMIN_ERRORS },
  },
  'POST /admin/v1/clients/{clientId}/rotate-secret': {
    tags: ['admin'],
    summary: 'Replace a client’s secret',
    description:
      'The body is optional: `{"client_secret": "..."}` (32-512 printable ASCII characters) sets the new secret, no body generates one. The old secret stops working at once.',
    security: [{ adminToken: [] }],
    response: { '200': json('The client, with its new secret.', 'ClientWithSecret'), '400': error('Bad body (`invalid_request`).'), ...ADMIN_ERRORS },
  },
  'POST /admin/v1/clients/{clientId}/disable': {
    tags: ['admin'],
    summary: 'Disable a client',
    description: 'The client can no longer authenticate or open sidecar sessions; its tokens stop introspecting as active.',
    security: [{ adminToken: [] }],
    response: { '200': json('The client, now disabled.', 'Client'), ...ADMIN_ERRORS },
  },
};

const SIDECAR_SERVERS = [
  {
    url: '{sidecar}',
    description: 'The sidecar (encrypting proxy in front of the identity API)',
    variables: { sidecar: { default: SIDECAR_DEFAULT_URL, description: 'Where the sidecar listens (SIDECAR_HOST, SIDECAR_PORT).' } },
  },
];

const header = (name: string, description: string, required = true) => ({ name, in: 'header', required, description, schema: { type: 'string' } });

/** The sidecar's session init, which no identity route stands for. */
function sidecarPaths(): Record<string, unknown> {
  const sidecarError = (description: string) => json(description, 'SidecarError');
  return {
    '/api/v1/session/init': {
      post: {
        tags: ['sidecar'],
        summary: 'Open an encrypted session (ECDH P-256, HKDF-SHA256, AES-256-GCM)',
        description:
          'Anonymous, or authenticated when `Authorization: Bearer <access token>` and `X-Subject` are given (the token must be a live one of the client, issued for that subject). The session key is HKDF-SHA256 of the ECDH shared secret, bound to the session id and the client id; see docs/protocol.md.',
        servers: SIDECAR_SERVERS,
        parameters: [
          header('X-ClientId', 'A registered, active client id.'),
          header('X-Idempotency-Key', '`<unix seconds>.<nonce>`; within CLOCK_SKEW of the sidecar’s clock, the nonce used once.'),
          header('Authorization', '`Bearer <access token>`, for an authenticated session.', false),
          header('X-Subject', 'The `sub` of the bearer; required with `Authorization`.', false),
        ],
        requestBody: { required: true, content: { 'application/json': { schema: ref('SessionInitBody') } } },
        responses: {
          '200': {
            ...json('The session. `X-Kid` carries the key id every encrypted request of the session names.', 'SessionInitAnswer'),
            headers: {
              'X-Kid': { description: 'The key id of the session.', schema: { type: 'string' } },
              'X-Handshake-Kid': { description: 'The `kid` of the handshake key that signed, in `/.well-known/sidecar-jwks.json` (docs/protocol.md section 12.1).', schema: { type: 'string' } },
              'X-Handshake-Signature': { description: 'base64 of the ES256 signature (r || s) over the session init transcript.', schema: { type: 'string' } },
              'X-Handshake-Confirm': { description: 'base64 of the HMAC-SHA256 of the transcript under the key confirmation key.', schema: { type: 'string' } },
            },
          },
          '400': sidecarError('A header or the key is malformed (`invalid_request`), or the timestamp is outside the window (`invalid_timestamp`).'),
          '401': sidecarError('Unknown or disabled client (`invalid_client`), or a bearer that does not hold (`unauthorized`).'),
          '409': sidecarError('The nonce was used before (`replay_detected`).'),
          '502': sidecarError('The identity API cannot be reached (`upstream_unavailable`).'),
          '503': sidecarError('The session or nonce store, or the handshake key, is unavailable (`temporarily_unavailable`).'),
        },
      },
    },
    '/.well-known/sidecar-jwks.json': {
      get: {
        tags: ['sidecar'],
        summary: 'The sidecar’s handshake keys (JWK Set)',
        description:
          'The public ES256 keys that sign session init answers: the active key first, then the next one, then retired ones still in their window. Separate from the token keys of `/.well-known/jwks.json`; see docs/protocol.md section 12.1.',
        servers: SIDECAR_SERVERS,
        responses: {
          '200': json('The key set.', 'Jwks'),
          '503': sidecarError('The handshake keys cannot be had from the identity API (`temporarily_unavailable`).'),
        },
      },
    },
  };
}

const SIDECAR_TAG_DESCRIPTION = [
  'The sidecar (default port 8141) serves `POST /api/v1/session/init`, `GET /.well-known/sidecar-jwks.json` and the four token routes on the same paths as the identity API: `/api/v1/token/issue`, `/api/v1/introspect`, `/api/v1/token`, `/api/v1/revoke`.',
  'Through the sidecar a token route takes the headers `X-ClientId`, `X-Kid` (from session init) and `X-Idempotency-Key`, and an `Envelope` body whose plaintext is the identity route’s JSON body, sealed with the session key under the AAD of docs/protocol.md. The answer is an `Envelope` sealing the identity API’s status body, or a plaintext `SidecarError` when the request cannot be opened.',
].join('\n\n');

/** The options of `@fastify/swagger` for a server whose issuer is `issuer`. */
export function openApiOptions(issuer: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Identity service',
        version: packageVersion,
        description:
          'The identity API (registered clients, token issue, introspection, refresh with rotation, revocation, JWKS and discovery), its admin API, and the plaintext surface of the encrypting sidecar. Errors are `{"error", "error_description"}` throughout.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: issuer, description: 'The identity API (ISSUER)' }],
      tags: [
        { name: 'tokens', description: 'Token issue, introspection, refresh and revocation.' },
        { name: 'discovery', description: 'What a resource server or client library needs to find and verify tokens.' },
        { name: 'admin', description: 'Client registration. Needs `ADMIN_TOKEN`; without it these routes answer 404.' },
        { name: 'sidecar', description: SIDECAR_TAG_DESCRIPTION },
      ],
      paths: sidecarPaths() as NonNullable<FastifyDynamicSwaggerOptions['openapi']>['paths'],
      components: {
        securitySchemes: {
          clientBasic: { type: 'http', scheme: 'basic', description: 'The client id and secret of a client registered with `auth_method` `basic`.' },
          clientHmac: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Signature',
            description:
              'A client registered with `auth_method` `hmac`: base64 HMAC-SHA256, under the client secret, of the exact body bytes bound to `X-ClientId` and `X-Idempotency-Key` (docs/protocol.md).',
          },
          accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token issued to the calling client.' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'The `ADMIN_TOKEN` of the identity API.' },
        },
        schemas: {
          Error: plain(ErrorBody),
          TokenResponse: plain(TokenResponse),
          IntrospectionResponse: plain(IntrospectionResponse),
          Empty: plain(EmptyObject),
          Jwks: plain(Jwks),
          AuthorizationServerMetadata: plain(AuthorizationServerMetadata),
          Client: plain(ClientView),
          ClientWithSecret: plain(ClientWithSecret),
          ClientList: plain(ClientList),
          SessionInitBody: plain(SessionInitBody),
          SessionInitAnswer: plain(SessionInitAnswer),
          Envelope: plain(Envelope),
          SidecarError: plain(SidecarError),
        },
      },
    },
    hideUntagged: true,
    // Documented routes get their summary, security and answers; the rest stay untagged (hidden).
    transform: ({ schema, url, route }) => {
      const methods = typeof route.method === 'string' ? [route.method] : route.method;
      const doc = ROUTE_DOCS[`${methods[0]} ${url.replace(/:(\w+)/g, '{$1}')}`];
      if (doc === undefined) return { schema: { ...schema, hide: true }, url };
      return { schema: { ...schema, tags: doc.tags, summary: doc.summary, description: doc.description, security: doc.security, response: doc.response }, url };
    },
    // That route checks its optional body by hand (a route body schema would make it required).
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
      const paths = documentObject.openapiObject.paths as Record<string, { post?: Record<string, unknown> } | undefined> | undefined;
      const rotate = paths?.['/admin/v1/clients/{clientId}/rotate-secret']?.post;
      if (rotate !== undefined) rotate.requestBody = { required: false, content: { 'application/json': { schema: plain(RotateBody) } } };
      return documentObject.openapiObject;
    },
  };
}

/** Register the collector (before the routes it documents) on `app`. */
export async function registerOpenApi(app: FastifyInstance, issuer: string): Promise<void> {
  await app.register(swagger, openApiOptions(issuer));
}

/** The `GET /openapi.json` route; the document is built once, on first request. */
export function openApiRoute(app: FastifyInstance): void {
  app.get(OPENAPI_PATH, async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300').removeHeader('pragma');
    return app.swagger();
  });
}
