import { Pool } from 'undici';
import { type Upstream, UpstreamUnavailableError } from './upstream.js';

/** Options of {@link httpUpstream}. */
export interface HttpUpstreamOptions {
  /** Base URL of the identity API (IDENTITY_URL); a path prefix is kept. */
  url: string;
  /** Limit for connecting, for the answer's headers, and between body chunks (UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number;
  /** Most keep-alive connections to the identity API; default 64. */
  connections?: number;
}

/**
 * Forward over HTTP to an identity API in another process, through an undici keep-alive
 * pool. A refused connection, a timeout or a broken answer becomes
 * {@link UpstreamUnavailableError} (502).
 *
 * @example
 * ```ts
 * const upstream = httpUpstream({ url: 'http://127.0.0.1:8140', timeoutMs: 5000 });
 * ```
 */
export function httpUpstream(options: HttpUpstreamOptions): Upstream {
  const base = new URL(options.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 64,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 30_000,
  });
  return {
    async send({ method = 'POST', path, headers, body }) {
      try {
        const response = await pool.request({ method, path: prefix + path, headers, body: body ?? null });
        const bytes = Buffer.from(await response.body.arrayBuffer());
        const retryAfter = response.headers['retry-after'];
        return { status: response.statusCode, body: bytes, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
      } catch (err) {
        throw new UpstreamUnavailableError(`identity API at ${base.origin} did not answer`, { cause: err });
      }
    },
    close: () => pool.close(),
  };
}
