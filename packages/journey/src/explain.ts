/**
 * Troubleshooting: turn a failure into one line saying what happened and one saying how
 * to fix it, in the spirit of a troubleshooting table.
 */
import { HandshakeUnverifiedError, IdentityClientError, NetworkError, ResponseError, ServiceError, TimeoutError } from '@idsvc/client';

/** What went wrong and what to do about it. */
export interface Explanation {
  error: string;
  fix: string | undefined;
  /** The error's code: the OAuth `error`, or `network_error`, `timeout`, `invalid_response`. */
  code?: string | undefined;
}

/** The parts of the configuration an explanation may name. */
export interface ExplainContext {
  sidecarUrl: string;
  authMethod: 'basic' | 'hmac';
}

const FIXES: Record<string, (ctx: ExplainContext) => string> = {
  invalid_client: (ctx) =>
    `Check CLIENT_ID and CLIENT_SECRET: the client must exist with that secret and be registered for AUTH_METHOD=${ctx.authMethod}.`,
  invalid_session: () => 'Run step 1 again to open a new session.',
  invalid_timestamp: () => "Set this machine's clock right: the sidecar accepts ±300 s.",
  replay_detected: () => 'Run the step again: each request needs a fresh nonce.',
  unauthorized: () => 'Run step 2 again: the session needs an active access token issued for SUBJECT.',
  invalid_token: () => 'Run step 2 again for fresh tokens.',
  invalid_grant: () => 'The refresh token was used, revoked or expired: run step 2 again.',
  invalid_scope: () => 'Set SCOPE to scopes the client is registered for.',
  invalid_target: () => 'Set AUDIENCE to an audience the client is registered for.',
  invalid_request: () => 'Check SUBJECT, SCOPE and AUDIENCE.',
  upstream_unavailable: () => 'The sidecar cannot reach the identity API: start it, or fix IDENTITY_URL on the sidecar.',
  temporarily_unavailable: () => 'Retry in a moment.',
};

/**
 * Explain any failure of a step.
 *
 * @example
 * ```ts
 * explain(new NetworkError('http://127.0.0.1:8141/api/v1/session/init', err), ctx).fix;
 * // 'Start the sidecar or fix SIDECAR_URL; unset SIDECAR_URL to run the local stack (npm start).'
 * ```
 */
export function explain(err: unknown, ctx: ExplainContext): Explanation {
  const code = err instanceof IdentityClientError ? err.code : undefined;
  return { ...describe(err, ctx), code };
}

function describe(err: unknown, ctx: ExplainContext): Explanation {
  if (err instanceof NetworkError) {
    return {
      error: `Cannot reach the sidecar at ${ctx.sidecarUrl} (connection refused or host unknown).`,
      fix: 'Start the sidecar or fix SIDECAR_URL; unset SIDECAR_URL to run the local stack (npm start).',
    };
  }
  if (err instanceof TimeoutError) {
    return {
      error: `The sidecar at ${ctx.sidecarUrl} did not answer in time.`,
      fix: 'Check that SIDECAR_URL points to a healthy sidecar, or raise REQUEST_TIMEOUT_MS.',
    };
  }
  if (err instanceof HandshakeUnverifiedError) {
    return {
      error: `The session init answer is not vouched for by the sidecar (${err.reason}); nothing was sent under it.`,
      fix:
        err.reason === 'keys_unavailable'
          ? 'Check SIDECAR_KEYS_URL: it must serve the sidecar\'s handshake key set.'
          : 'Something between this client and the sidecar rewrote the handshake, or SIDECAR_KEYS_URL names another sidecar\'s keys.',
    };
  }
  if (err instanceof ServiceError) {
    return { error: `${err.status} ${err.code}: ${err.description}`, fix: FIXES[err.code]?.(ctx) };
  }
  if (err instanceof ResponseError) {
    return {
      error: `${err.message} (HTTP ${err.status}).`,
      fix: 'Check that SIDECAR_URL points to the sidecar, not to the identity API or another service.',
    };
  }
  if (err instanceof IdentityClientError) return { error: err.message, fix: undefined };
  return { error: 'Unexpected failure; see the journey log.', fix: undefined };
}
