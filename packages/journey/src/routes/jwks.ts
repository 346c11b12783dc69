/**
 * `GET /jwks`: the identity API's public signing keys, fetched on each call and passed on
 * to the UI, which checks access-token signatures in the browser. The page's CSP allows
 * only its own origin, so the keys come through this server rather than from the identity
 * API directly. Only the public members of P-256 keys are passed on.
 */
import type { FastifyInstance } from 'fastify';

/** A published ES256 verification key, as the UI receives it. */
export interface PublicJwk {
  kid: string;
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  alg: 'ES256';
  use: 'sig';
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Keep the keys that are P-256 public keys with a kid; drop anything else (or any private member). */
export function publicKeysOf(body: unknown): PublicJwk[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return undefined;
  const out: PublicJwk[] = [];
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null) continue;
    const { kid, kty, crv, x, y } = key as Record<string, unknown>;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 200) continue;
    if (kty !== 'EC' || crv !== 'P-256') continue;
    if (typeof x !== 'string' || typeof y !== 'string' || !BASE64URL.test(x) || !BASE64URL.test(y)) continue;
    out.push({ kid, kty, crv, x, y, alg: 'ES256', use: 'sig' });
  }
  return out;
}

export function registerJwksRoute(
  app: FastifyInstance,
  options: { identityUrl?: string | undefined; timeoutMs: number; fetch?: typeof globalThis.fetch },
): void {
  const doFetch = options.fetch ?? globalThis.fetch;
  app.get('/jwks', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    if (!options.identityUrl) {
      return reply.code(404).send({
        error: 'jwks_not_configured',
        error_description: 'The identity API URL is not known here: set IDENTITY_URL to check signatures.',
      });
    }
    const unavailable = {
      error: 'jwks_unavailable',
      error_description: 'The identity API did not give its public keys.',
    };
    try {
      const res = await doFetch(`${options.identityUrl}/.well-known/jwks.json`, {
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: { accept: 'application/json' },
      });
      const keys = res.ok ? publicKeysOf(await res.json()) : undefined;
      if (keys === undefined) {
        request.log.warn({ status: res.status }, 'JWKS answer unusable');
        return reply.code(502).send(unavailable);
      }
      return { keys };
    } catch (err) {
      request.log.warn({ err }, 'JWKS fetch failed');
      return reply.code(502).send(unavailable);
    }
  });
}
