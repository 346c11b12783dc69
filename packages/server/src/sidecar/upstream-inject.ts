import type { FastifyInstance } from 'fastify';
import { type Upstream, UpstreamUnavailableError } from './upstream.js';

/**
 * Forward to a Fastify app in the same process with `app.inject`: no socket, no port,
 * the same routes and hooks as over HTTP. The app belongs to the caller, who closes it.
 * For the identity app itself `inProcessUpstream` is much cheaper; this one serves its GET
 * routes and any other app (a stand-in identity API in tests, say).
 *
 * @example
 * ```ts
 * const upstream = injectUpstream(app);
 * ```
 */
export function injectUpstream(app: FastifyInstance): Upstream {
  return {
    async send({ method = 'POST', path, headers, body }) {
      try {
        const response = await app.inject({
          method,
          url: path,
          headers,
          ...(body !== undefined ? { payload: Buffer.from(body.buffer, body.byteOffset, body.byteLength) } : {}),
        });
        const retryAfter = response.headers['retry-after'];
        return { status: response.statusCode, body: response.rawPayload, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
      } catch (err) {
        throw new UpstreamUnavailableError('in-process identity app failed', { cause: err });
      }
    },
    close: () => Promise.resolve(),
  };
}
