/**
 * Checks on every request of both services before any route runs, so that what the
 * framework or Node would answer in its own shape (or not at all) gets the documented
 * `{error, error_description}` (docs/protocol.md section 10):
 *
 * - an HTTP/1.1 request without `Host` is `400 invalid_request` (RFC 9112 section 3.2);
 *   Node's own check, which answers a bare 400 with no body and no log line, is turned off
 *   by {@link edgeHttpOptions};
 * - an unknown route is `404 not_found` at once, before its body is read: the method or the
 *   body of a request that no route serves never changes the answer;
 * - a body with a `Content-Encoding` other than `identity` is `415 unsupported_media_type`
 *   (RFC 7694): nothing is decompressed, and a body labelled gzip is never read as JSON.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError, NotFoundError, OAuthError } from '../lib/oauth-error.js';

/**
 * Longest path parameter the router matches. Fastify's default (100) answers a longer one
 * with its own `414`, before any hook, which tells an internal or admin route from an
 * unknown one; the request line's own bound (16 KiB of headers) is the real limit, and each
 * route checks its parameter after authentication.
 */
export const MAX_PARAM_LENGTH = 16 * 1024;

/** For the `http` option of a Fastify app: leave the Host check to {@link registerRequestEdge}. */
export function edgeHttpOptions(): { requireHostHeader: false } {
  return { requireHostHeader: false };
}

/** Install the checks as the app's first `onRequest` hook (call before routes and other hooks). */
export function registerRequestEdge(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw;
    if (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1 && (request.headers.host ?? '') === '') {
      throw new InvalidRequestError('The Host header is required.', 'HTTP/1.1 request without Host');
    }
    if (request.is404) throw new NotFoundError(undefined, `no route for ${request.method}`);
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      throw new OAuthError('unsupported_media_type', {
        description: 'Content-Encoding is not supported; send the body uncompressed.',
        detail: 'request with a Content-Encoding',
      });
    }
  });
}
