/**
 * Journey configuration: every variable, its default, and its check, in one place.
 * Read once at start from the environment (and `.env`, loaded by `main.ts`).
 */
import type { AuthMethod } from '@idsvc/client';

/** Where a sidecar publishes its handshake keys (docs/protocol.md section 12.1). */
export const SIDECAR_KEYS_PATH = '/.well-known/sidecar-jwks.json';

/** Defaults of the internal (Basic) client: the seeded development client. */
export const BASIC_DEFAULTS = {
  clientId: 'dev-client',
  clientSecret: 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!',
  scope: 'orders.read orders.write',
} as const;

/** Defaults of the external (HMAC) client: the seeded development partner. */
export const HMAC_DEFAULTS = {
  clientId: 'external-partner-test',
  clientSecret: 'external-partner-hmac-secret-key-32chars!',
  scope: 'orders.read',
} as const;

/** The validated journey configuration. */
export interface JourneyConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: AuthMethod;
  readonly subject: string;
  readonly scope: string;
  readonly audience: string;
  /** Port of the web UI (3506). */
  readonly port: number;
  /** Interface the web UI listens on (`localhost`). */
  readonly host: string;
  /** The sidecar to use; unset means "start the local stack in this process". */
  readonly sidecarUrl: string | undefined;
  /**
   * The identity API, only for its public keys (the UI checks token signatures against
   * them). Unset with `SIDECAR_URL` set: the UI says it cannot check signatures.
   */
  readonly identityUrl: string | undefined;
  /** Per-request timeout towards the sidecar, in ms. */
  readonly timeoutMs: number;
  /**
   * The sidecar's handshake key set (`SIDECAR_KEYS_URL`): when set, every session init must
   * be signed by one of its keys, and the UI and CLI say "sidecar authenticated (kid …)".
   * `npm start` sets it to its own sidecar's key set when it starts the local stack.
   */
  readonly sidecarKeysUrl: string | undefined;
}

/** The variables `loadJourneyConfig` reads, for `--help`. */
export const JOURNEY_VARIABLES = [
  ['SIDECAR_URL', 'sidecar to use; unset: start identity API + sidecar in this process'],
  ['IDENTITY_URL', 'identity API, for its public keys (JWKS) only; the local stack’s when SIDECAR_URL is unset'],
  ['SIDECAR_KEYS_URL', 'sidecar handshake key set; set: session inits must be signed by it (the local stack’s when SIDECAR_URL is unset)'],
  ['AUTH_METHOD', 'basic (internal client, default) or hmac (external client)'],
  ['CLIENT_ID', `client id (${BASIC_DEFAULTS.clientId}; hmac: ${HMAC_DEFAULTS.clientId})`],
  ['CLIENT_SECRET', 'client secret (the development client’s by default)'],
  ['SUBJECT', 'subject the tokens are issued for (test-user)'],
  ['SCOPE', `scope to ask for (${BASIC_DEFAULTS.scope}; hmac: ${HMAC_DEFAULTS.scope})`],
  ['AUDIENCE', 'audience to ask for (orders-api)'],
  ['PORT', 'web UI port (3506)'],
  ['JOURNEY_HOST', 'web UI interface (localhost)'],
  ['REQUEST_TIMEOUT_MS', 'timeout of each request to the sidecar (10000)'],
] as const;

/** Thrown with one line per bad value. */
export class JourneyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'JourneyConfigError';
  }
}

/**
 * Parse the journey's variables. Empty values count as unset.
 *
 * @example
 * ```ts
 * const config = loadJourneyConfig({ AUTH_METHOD: 'hmac', SIDECAR_URL: 'http://127.0.0.1:8141' });
 * config.clientId; // 'external-partner-test'
 * ```
 */
export function loadJourneyConfig(env: Record<string, string | undefined>): JourneyConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const problems: string[] = [];

  const method = (get('AUTH_METHOD') ?? 'basic').toLowerCase();
  if (method !== 'basic' && method !== 'hmac') problems.push('AUTH_METHOD: must be "basic" or "hmac"');
  const authMethod: AuthMethod = method === 'hmac' ? 'hmac' : 'basic';
  const defaults = authMethod === 'hmac' ? HMAC_DEFAULTS : BASIC_DEFAULTS;

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const httpUrl = (name: string, example: string): string | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push(`${name}: must be an http:// or https:// URL, e.g. ${example}`);
    }
    return raw.replace(/\/+$/, '');
  };
  const sidecarUrl = httpUrl('SIDECAR_URL', 'http://127.0.0.1:8141');
  const identityUrl = httpUrl('IDENTITY_URL', 'http://127.0.0.1:8140');
  const sidecarKeysUrl = httpUrl('SIDECAR_KEYS_URL', `http://127.0.0.1:8141${SIDECAR_KEYS_PATH}`);

  const config: JourneyConfig = {
    clientId: get('CLIENT_ID') ?? defaults.clientId,
    clientSecret: get('CLIENT_SECRET') ?? defaults.clientSecret,
    authMethod,
    subject: get('SUBJECT') ?? 'test-user',
    scope: get('SCOPE') ?? defaults.scope,
    audience: get('AUDIENCE') ?? 'orders-api',
    port: integer('PORT', 3506, 0, 65535),
    host: get('JOURNEY_HOST') ?? 'localhost',
    sidecarUrl,
    identityUrl,
    timeoutMs: integer('REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
    sidecarKeysUrl,
  };
  if (problems.length > 0) throw new JourneyConfigError(problems);
  return Object.freeze(config);
}
