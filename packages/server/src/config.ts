/**
 * Configuration: every option declared once, below, with its environment variable, its
 * type, its default, the commands that use it and one line of documentation. The `Config`
 * type, the validation, the rules of each command and `.env.example` (`npm run
 * env:example`) all come from this declaration. Parsed once at start (`loadConfig`), every
 * problem reported at once, then frozen. Nothing else in the server reads `process.env`.
 */
import { type ConfigOf, type ProcessRole, ROLES, group, option, optionsOf, readDeclaration } from './config/declare.js';
import { base64Key, commaList, connectionUrl, flag, httpUrl, integer, oneOf, text, url } from './config/values.js';

export { ConfigError, ROLES, type ProcessRole } from './config/declare.js';

/** The commands that run a server; they log and stop gracefully. */
const SERVERS = ['serve', 'identity', 'sidecar'] as const;
const IDENTITY_API = ['serve', 'identity'] as const;
const SIDECAR = ['serve', 'sidecar'] as const;
const seconds = integer(1);
const port = integer(0, 65535);

/** Every option. The order here is the order of `.env.example` and of the problems reported. */
export const CONFIG_DECLARATION = group('', {
  mode: option({
    heading: 'General',
    variable: 'MODE',
    type: oneOf(['development', 'production']),
    default: 'production',
    roles: ['serve', 'identity', 'sidecar', 'clients'],
    doc: 'production, or development: development clients seeded (published dummy secrets!) and a generated master key kept in dev-master.key beside the SQLite file.',
  }),
  logLevel: option({
    variable: 'LOG_LEVEL',
    type: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    roles: SERVERS,
    doc: 'The least severe level that is logged.',
  }),

  identity: group('Identity API. It listens on loopback by default: only the sidecar should reach it.', {
    host: option({ variable: 'IDENTITY_HOST', type: text(), default: '127.0.0.1', roles: IDENTITY_API, doc: 'Interface the identity API listens on.' }),
    port: option({ variable: 'IDENTITY_PORT', type: port, default: 8140, roles: IDENTITY_API, doc: 'Port of the identity API (0 picks a free one).' }),
    issuer: option({ variable: 'ISSUER', type: url, default: 'http://localhost:8140', roles: IDENTITY_API, doc: 'The `iss` of the tokens it signs, checked on the tokens it is shown.' }),
    accessTokenTtlSec: option({ variable: 'ACCESS_TOKEN_TTL', type: seconds, default: 900, roles: IDENTITY_API, doc: 'Lifetime of an access token, in seconds.' }),
    refreshTokenTtlSec: option({ variable: 'REFRESH_TOKEN_TTL', type: seconds, default: 30 * 24 * 3600, roles: IDENTITY_API, doc: 'Lifetime of a refresh token, in seconds.' }),
    refreshGraceSec: option({
      variable: 'REFRESH_GRACE_SECONDS',
      type: integer(0, 600),
      default: 0,
      roles: IDENTITY_API,
      doc: 'Seconds during which a client may present a just-rotated refresh token again and get the same successor (docs/tokens.md); 0, the default, treats any second presentation as reuse. A client may override it (refresh_grace_seconds).',
    }),
    signingKeyRotationSec: option({ variable: 'SIGNING_KEY_ROTATION', type: seconds, default: 30 * 24 * 3600, roles: IDENTITY_API, doc: 'How often the signing key is replaced, in seconds.' }),
    customClaimsMaxBytes: option({ variable: 'CUSTOM_CLAIMS_MAX_BYTES', type: integer(1), default: 4096, roles: IDENTITY_API, doc: 'Largest custom_claims a token may carry, in bytes of JSON.' }),
    seedDevClients: option({
      variable: 'SEED_DEV_CLIENTS',
      type: flag,
      default: ({ mode }) => mode === 'development',
      defaultDoc: 'on in development mode, off in production',
      roles: IDENTITY_API,
      doc: 'Register the development clients, whose secrets are published; never allowed in production mode.',
      check: (seed, { mode }) => (seed && mode === 'production' ? 'development clients are never seeded in production mode' : undefined),
    }),
  }),

  database: group('Storage: a SQLite file by default, PostgreSQL when DATABASE_URL is set.', {
    url: option({
      variable: 'DATABASE_URL',
      type: connectionUrl('postgres', 'postgresql'),
      example: 'postgres://user:password@127.0.0.1:5432/identity',
      sensitive: true,
      roles: ['serve', 'identity', 'clients', 'migrate'],
      doc: 'PostgreSQL to use instead of the SQLite file.',
    }),
    sqlitePath: option({
      variable: 'SQLITE_PATH',
      type: text(),
      default: './data/identity.db',
      roles: ROLES,
      doc: 'The SQLite file; in development mode without MASTER_KEY, dev-master.key is kept beside it.',
    }),
  }),

  masterKey: option({
    heading: 'Secrets',
    variable: 'MASTER_KEY',
    type: base64Key(32),
    sensitive: true,
    roles: ['serve', 'identity', 'sidecar', 'clients'],
    required: [
      { roles: ['serve', 'identity', 'clients'], mode: 'production' },
      { roles: ['sidecar'], mode: 'production', whenSet: 'REDIS_URL' },
    ],
    doc: '32 bytes of base64 (`openssl rand -base64 32`) that encrypt HMAC secrets, signing keys and, in Redis, session keys at rest.',
  }),
  adminToken: option({
    variable: 'ADMIN_TOKEN',
    type: text(32),
    sensitive: true,
    roles: IDENTITY_API,
    required: [{ mode: 'production' }],
    doc: 'Bearer token of the admin API (/admin/v1/clients), at least 32 characters; unset in development mode, the admin API is off.',
  }),
  internalSecret: option({
    variable: 'INTERNAL_SECRET',
    type: text(32),
    sensitive: true,
    roles: SERVERS,
    required: [{ roles: ['identity', 'sidecar'], reason: 'when the identity API and the sidecar run apart (set the same value on both)' }],
    doc: "Shared secret (at least 32 characters) the sidecar sends in x-idsvc-internal-auth; the identity API believes the sidecar's x-idsvc-* headers only with it. `idsvc serve` generates one per process when unset.",
  }),

  sidecar: group('Sidecar: the public edge, which decrypts requests and forwards them to the identity API.', {
    host: option({ variable: 'SIDECAR_HOST', type: text(), default: '127.0.0.1', roles: SIDECAR, doc: 'Interface the sidecar listens on.' }),
    port: option({ variable: 'SIDECAR_PORT', type: port, default: 8141, roles: SIDECAR, doc: 'Port of the sidecar (0 picks a free one).' }),
    identityUrl: option({
      variable: 'IDENTITY_URL',
      type: httpUrl,
      flag: '--identity-url',
      example: 'http://127.0.0.1:8140',
      roles: ['sidecar'],
      required: [{ reason: 'for a sidecar apart' }],
      doc: 'Where `idsvc sidecar` forwards (`idsvc serve` forwards in process). A sidecar apart needs no database: it asks the identity API which clients exist.',
    }),
    sessionTtlAnonymousSec: option({ variable: 'SESSION_TTL_ANONYMOUS', type: seconds, default: 1800, roles: SIDECAR, doc: 'Lifetime of a session opened without a bearer, in seconds.' }),
    sessionTtlAuthenticatedSec: option({ variable: 'SESSION_TTL_AUTHENTICATED', type: seconds, default: 3600, roles: SIDECAR, doc: 'Lifetime of a session opened with a bearer, in seconds.' }),
    clockSkewSec: option({ variable: 'CLOCK_SKEW', type: seconds, default: 300, roles: SERVERS, doc: "Accepted distance between a request's timestamp and the server's clock, in seconds." }),
    nonceTtlSec: option({ variable: 'NONCE_TTL', type: seconds, default: 600, roles: SIDECAR, doc: 'How long a nonce is remembered, in seconds.' }),
    bodyLimitBytes: option({ variable: 'BODY_LIMIT', type: integer(1024), default: 64 * 1024, roles: SERVERS, doc: 'Largest request body in bytes (beyond it: 413 invalid_request).' }),
    corsOrigins: option({
      variable: 'CORS_ORIGINS',
      type: commaList,
      default: [],
      defaultDoc: 'none',
      roles: SIDECAR,
      doc: 'Browser origins allowed to call the sidecar directly, comma-separated (`*` for any).',
    }),
    upstreamTimeoutMs: option({
      variable: 'UPSTREAM_TIMEOUT_MS',
      type: integer(1),
      default: 5000,
      roles: SIDECAR,
      doc: 'How long the sidecar waits for the identity API, in milliseconds. Also the deadline it forwards: the identity API rolls back a refresh that would commit after the sidecar gave up (docs/tokens.md).',
    }),
    memoryNonceMax: option({
      variable: 'MEMORY_NONCE_MAX',
      type: integer(1),
      default: 1_000_000,
      roles: SIDECAR,
      doc: 'Most nonces the in-memory store holds, all scopes together; when full, the scope holding the most forgets its oldest and raises its watermark (never a refusal of a fresh request).',
    }),
    nonceScopeMax: option({
      variable: 'NONCE_SCOPE_MAX',
      type: integer(1),
      default: 10_000,
      roles: SIDECAR,
      doc: "Most nonces kept per scope (one session's sealed requests, or one session init's client id and public key), in memory or Redis; beyond it the scope forgets its oldest and raises its watermark.",
    }),
    memorySessionMax: option({
      variable: 'MEMORY_SESSION_MAX',
      type: integer(1),
      default: 100_000,
      roles: SIDECAR,
      doc: "Most sessions the in-memory store holds; when full, the client holding the most loses its oldest anonymous session (its oldest authenticated one only when it has no anonymous one).",
    }),
    sessionClientMax: option({
      variable: 'SESSION_CLIENT_MAX',
      type: integer(1),
      default: 10_000,
      roles: SIDECAR,
      doc: "Most live sessions per client id, in memory or Redis; beyond it that client's own oldest anonymous session goes first.",
    }),
  }),

  redis: group('Sessions and nonces in memory (one process), or in Redis shared by every sidecar instance.', {
    url: option({ variable: 'REDIS_URL', type: connectionUrl('redis', 'rediss'), example: 'redis://127.0.0.1:6379', sensitive: true, roles: SIDECAR, doc: 'Redis to keep sessions and nonces in.' }),
    keyPrefix: option({ variable: 'REDIS_KEY_PREFIX', type: text(), default: 'idsvc:', roles: SIDECAR, doc: 'Prefix of every Redis key, so that deployments can share one Redis.' }),
  }),

  shutdownGraceSec: option({
    heading: 'Shutdown',
    variable: 'SHUTDOWN_GRACE',
    type: seconds,
    default: 10,
    roles: SERVERS,
    doc: "On SIGTERM/SIGINT, seconds the requests in flight get to finish before their connections are closed (keep it below the orchestrator's own stop timeout).",
  }),
});

/** The validated configuration: its shape is the declaration's. */
export type Config = ConfigOf<typeof CONFIG_DECLARATION>;

export type RawEnv = Record<string, string | undefined>;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * The command the process runs: only the options it uses are validated, and only its
   * rules apply. Default: every option validated, with the rules of `serve`.
   */
  role?: ProcessRole;
  /** Values given as command-line flags, by variable (e.g. `{ IDENTITY_URL: '...' }` from `--identity-url`). */
  flags?: RawEnv;
}

/**
 * Parse and validate configuration from an environment-like object.
 * Empty strings count as unset, so `FOO=` in a `.env` file falls back to the default.
 *
 * @throws ConfigError with every problem, one line each.
 */
export function loadConfig(env: RawEnv = {}, options: LoadConfigOptions = {}): Config {
  return readDeclaration(CONFIG_DECLARATION, {
    env,
    role: options.role,
    modeVariable: 'MODE',
    ...(options.flags !== undefined ? { flags: options.flags } : {}),
  });
}

/** The variables `loadConfig` reads, for `--help` output and documentation. */
export const CONFIG_VARIABLES: readonly string[] = optionsOf(CONFIG_DECLARATION).map((o) => o.spec.variable);

/** The variables a command reads, in declaration order. */
export function variablesOf(role: ProcessRole): string[] {
  return optionsOf(CONFIG_DECLARATION)
    .filter((o) => o.spec.roles.includes(role))
    .map((o) => o.spec.variable);
}
