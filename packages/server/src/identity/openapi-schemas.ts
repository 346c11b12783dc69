/**
 * The shapes of the answers of the identity API, the admin API and the sidecar's plaintext
 * surface, as JSON Schema (TypeBox), for the OpenAPI document. The request schemas are the
 * routes' own; these describe what comes back, and what the sidecar reads before a session
 * key exists. Tests check real answers against them, so they cannot drift silently.
 */
import { Type } from '@sinclair/typebox';
import { ERROR_CODES, wireError, type ErrorCode } from '@idsvc/protocol';

/** `{error, error_description}`: every refusal of both services (RFC 6749 section 5.2). */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'A stable code (see the error table of docs/protocol.md).' }),
    error_description: Type.String({ description: 'A public text; never the reason a check failed.' }),
  },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object({
  access_token: Type.String({ description: 'An RFC 9068 JWT (`typ` `at+jwt`, ES256).' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires (ACCESS_TOKEN_TTL).' }),
  scope: Type.String(),
  refresh_token: Type.Optional(Type.String({ description: 'Present when asked for at issue, and on every refresh.' })),
});

export const IntrospectionResponse = Type.Union([
  Type.Object({ active: Type.Literal(false) }, { additionalProperties: false, description: 'Any token that is not live and the caller’s own.' }),
  Type.Object(
    {
      active: Type.Literal(true),
      scope: Type.String(),
      client_id: Type.String(),
      sub: Type.String(),
      aud: Type.String(),
      iss: Type.String(),
      exp: Type.Integer(),
      iat: Type.Integer(),
      jti: Type.Optional(Type.String()),
      token_type: Type.String({ description: '`Bearer` for an access token, `refresh_token` for a refresh token.' }),
    },
    { description: 'A live token of the caller; an access token’s custom claims are added as members.' },
  ),
]);

export const EmptyObject = Type.Object({}, { additionalProperties: false });

export const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.Literal('EC'),
      crv: Type.Literal('P-256'),
      x: Type.String(),
      y: Type.String(),
      kid: Type.String(),
      use: Type.Literal('sig'),
      alg: Type.Literal('ES256'),
    }),
  ),
});

const Urls = Type.String({ format: 'uri' });
const Names = Type.Array(Type.String());
export const AuthorizationServerMetadata = Type.Object({
  issuer: Urls,
  jwks_uri: Urls,
  token_endpoint: Urls,
  token_issue_endpoint: Urls,
  introspection_endpoint: Urls,
  revocation_endpoint: Urls,
  response_types_supported: Names,
  grant_types_supported: Names,
  token_endpoint_auth_methods_supported: Names,
  token_issue_endpoint_auth_methods_supported: Names,
  introspection_endpoint_auth_methods_supported: Names,
  revocation_endpoint_auth_methods_supported: Names,
  access_token_signing_alg_values_supported: Names,
  scopes_supported: Names,
});

export const ClientView = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  auth_method: Type.Union([Type.Literal('basic'), Type.Literal('hmac')]),
  scopes: Type.Array(Type.String()),
  audiences: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  refresh_grace_seconds: Type.Union([Type.Integer({ minimum: 0, maximum: 600 }), Type.Null()], {
    description: "Seconds during which a just-rotated refresh token may be presented again by this client and gets the same successor (docs/tokens.md); null: the server's REFRESH_GRACE_SECONDS.",
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const ClientWithSecret = Type.Intersect([
  ClientView,
  Type.Object({ client_secret: Type.String({ description: 'Shown once; stored only hashed (basic) or encrypted (hmac).' }) }),
]);

export const ClientList = Type.Object({ clients: Type.Array(ClientView) });

// The sidecar.

export const SessionInitBody = Type.Object({
  clientPublicKey: Type.String({ description: 'The client’s ephemeral P-256 public key, uncompressed point (65 bytes), base64.' }),
});

export const SessionInitAnswer = Type.Object({
  sessionId: Type.String(),
  serverPublicKey: Type.String({ description: 'The sidecar’s ephemeral P-256 public key, uncompressed point, base64.' }),
  encAlg: Type.Literal('A256GCM'),
  expiresInSec: Type.Integer(),
});

export const Envelope = Type.Object(
  {
    payload: Type.String({
      description: 'base64 of IV (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes), at least 28 bytes; the plaintext is the identity API’s JSON body (or answer).',
      contentEncoding: 'base64',
    }),
  },
  { description: 'An encrypted body, both ways. Other members are ignored.' },
);

/** The codes the sidecar answers in plaintext, before or without a session key. */
export const SIDECAR_PLAINTEXT_CODES: readonly ErrorCode[] = [
  'invalid_request',
  'payload_too_large',
  'invalid_timestamp',
  'invalid_session',
  'decryption_failed',
  'replay_detected',
  'unauthorized',
  'invalid_client',
  'not_found',
  'method_not_allowed',
  'unsupported_media_type',
  'upstream_unavailable',
  'temporarily_unavailable',
  'server_error',
];

export const SidecarError = Type.Object(
  {
    error: Type.Union([...new Set(SIDECAR_PLAINTEXT_CODES.map(wireError))].map((code) => Type.Literal(code))),
    error_description: Type.String(),
  },
  {
    additionalProperties: false,
    description: SIDECAR_PLAINTEXT_CODES.map((code) => `${ERROR_CODES[code].status} ${wireError(code)}: ${ERROR_CODES[code].description}`).join('\n'),
  },
);
