/**
 * Configuration: every option, its environment variable and its default, in one place.
 * Parsed once at start (`loadConfig`), validated with a clear message per bad value,
 * then frozen. Nothing else in the server reads `process.env`.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
const base64Key32 = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32, {
    message: 'must be 32 bytes in standard base64 (44 characters), e.g. the output of `openssl rand -base64 32`',
  });

/** Environment variable → option. The defaults are the documented ones. */
const schema = z.object({
  MODE: z.enum(['development', 'production']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Identity API
  IDENTITY_HOST: z.string().min(1).default('127.0.0.1'),
  IDENTITY_PORT: port.default(8140),
  ISSUER: z.string().url().default('http://localhost:8140'),
  ACCESS_TOKEN_TTL: seconds.default(900),
  REFRESH_TOKEN_TTL: seconds.default(30 * 24 * 3600),
  SIGNING_KEY_ROTATION: seconds.default(30 * 24 * 3600),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  SQLITE_PATH: z.string().min(1).default('./data/identity.db'),
  MASTER_KEY: base64Key32.optional(),
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  CUSTOM_CLAIMS_MAX_BYTES: z.coerce.number().int().positive().default(4096),
  SEED_DEV_CLIENTS: bool.optional(),

  // Sidecar
  SIDECAR_HOST: z.string().min(1).default('127.0.0.1'),
  SIDECAR_PORT: port.default(8141),
  IDENTITY_URL: z.string().url().optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  REDIS_KEY_PREFIX: z.string().default('idsvc:'),
  SESSION_TTL_ANONYMOUS: seconds.default(1800),
  SESSION_TTL_AUTHENTICATED: seconds.default(3600),
  CLOCK_SKEW: seconds.default(300),
  NONCE_TTL: seconds.default(600),
  BODY_LIMIT: z.coerce.number().int().min(1024).default(64 * 1024),
  CORS_ORIGINS: list.default([]),
  INTERNAL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  MEMORY_NONCE_MAX: z.coerce.number().int().positive().default(1_000_000),
  MEMORY_SESSION_MAX: z.coerce.number().int().positive().default(100_000),

  // Both
  SHUTDOWN_GRACE: seconds.default(10),
});

export type RawEnv = Record<string, string | undefined>;

/** The validated configuration. */
export interface Config {
  readonly mode: 'development' | 'production';
  readonly logLevel: string;
  readonly identity: {
    readonly host: string;
    readonly port: number;
    readonly issuer: string;
    readonly accessTokenTtlSec: number;
    readonly refreshTokenTtlSec: number;
    readonly signingKeyRotationSec: number;
    readonly customClaimsMaxBytes: number;
    /** Seed the development clients (on by default in development mode, never in production). */
    readonly seedDevClients: boolean;
  };
  readonly database: { readonly url: string | undefined; readonly sqlitePath: string };
  /** 32-byte key that encrypts secrets, signing keys and session keys at rest. */
  readonly masterKey: Buffer | undefined;
  readonly adminToken: string | undefined;
  readonly sidecar: {
    readonly host: string;
    readonly port: number;
    /** Where the sidecar forwards when the identity API runs in another process. */
    readonly identityUrl: string | undefined;
    readonly sessionTtlAnonymousSec: number;
    readonly sessionTtlAuthenticatedSec: number;
    readonly clockSkewSec: number;
    readonly nonceTtlSec: number;
    readonly bodyLimitBytes: number;
    readonly corsOrigins: readonly string[];
    readonly upstreamTimeoutMs: number;
    readonly memoryNonceMax: number;
    readonly memorySessionMax: number;
  };
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string };
  /** Shared secret the sidecar sends to the identity API in `x-idsvc-internal-auth`. */
  readonly internalSecret: string | undefined;
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are closed. */
  readonly shutdownGraceSec: number;
}

/** Thrown by `loadConfig` with one line per bad value. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Which part the process runs, for the rules that depend on it: `all` (the embedded stack,
 * and the default), `identity` (the identity API alone) or `sidecar` (the sidecar alone,
 * which has no admin API and keeps keys at rest only in Redis).
 */
export type ProcessRole = 'all' | 'identity' | 'sidecar';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Default `all`: every rule applies. */
  role?: ProcessRole;
}

/**
 * Parse and validate configuration from an environment-like object.
 * Empty strings count as unset, so `FOO=` in a `.env` file falls back to the default.
 */
export function loadConfig(env: RawEnv = {}, options: LoadConfigOptions = {}): Config {
  const role = options.role ?? 'all';
  const cleaned: RawEnv = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.MODE === 'production') {
    // A sidecar apart serves no admin API, and needs the master key only to encrypt the
    // session keys it keeps in Redis.
    if (!e.MASTER_KEY && (role !== 'sidecar' || e.REDIS_URL)) {
      problems.push(role === 'sidecar' ? 'MASTER_KEY: required in production mode when REDIS_URL is set' : 'MASTER_KEY: required in production mode');
    }
    if (!e.ADMIN_TOKEN && role !== 'sidecar') problems.push('ADMIN_TOKEN: required in production mode');
    if (e.SEED_DEV_CLIENTS) problems.push('SEED_DEV_CLIENTS: development clients are never seeded in production mode');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    mode: e.MODE,
    logLevel: e.LOG_LEVEL,
    identity: {
      host: e.IDENTITY_HOST,
      port: e.IDENTITY_PORT,
      issuer: e.ISSUER,
      accessTokenTtlSec: e.ACCESS_TOKEN_TTL,
      refreshTokenTtlSec: e.REFRESH_TOKEN_TTL,
      signingKeyRotationSec: e.SIGNING_KEY_ROTATION,
      customClaimsMaxBytes: e.CUSTOM_CLAIMS_MAX_BYTES,
      seedDevClients: e.SEED_DEV_CLIENTS ?? e.MODE === 'development',
    },
    database: { url: e.DATABASE_URL, sqlitePath: e.SQLITE_PATH },
    masterKey: e.MASTER_KEY ? Buffer.from(e.MASTER_KEY, 'base64') : undefined,
    adminToken: e.ADMIN_TOKEN,
    sidecar: {
      host: e.SIDECAR_HOST,
      port: e.SIDECAR_PORT,
      identityUrl: e.IDENTITY_URL,
      sessionTtlAnonymousSec: e.SESSION_TTL_ANONYMOUS,
      sessionTtlAuthenticatedSec: e.SESSION_TTL_AUTHENTICATED,
      clockSkewSec: e.CLOCK_SKEW,
      nonceTtlSec: e.NONCE_TTL,
      bodyLimitBytes: e.BODY_LIMIT,
      corsOrigins: Object.freeze([...e.CORS_ORIGINS]),
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      memoryNonceMax: e.MEMORY_NONCE_MAX,
      memorySessionMax: e.MEMORY_SESSION_MAX,
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    internalSecret: e.INTERNAL_SECRET,
    shutdownGraceSec: e.SHUTDOWN_GRACE,
  };
  return deepFreeze(config);
}

/** The variables `loadConfig` reads, for `--help` output and documentation. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
