/**
 * The request id that ties the log lines of one request together across the sidecar and
 * the identity API (`x-request-id`). The sidecar keeps a well-formed id a caller sends (a
 * load balancer's, say) and makes one otherwise; it forwards the id, and the identity API
 * logs under the same one. Both echo it in their answers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MAX_PARAM_LENGTH } from './request-edge.js';

/** The header that carries the request id. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What a request id may look like: 1 to 128 letters, digits and `._:-`. Anything else
 * (spaces, quotes, control characters, a kilobyte of text) could forge or flood log lines,
 * so it is replaced rather than logged.
 */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** `true` when `value` may be used as a request id as it is. */
export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/** The caller's `x-request-id` when well formed, else a fresh UUID. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const presented = headers[REQUEST_ID_HEADER];
  return isWellFormedRequestId(presented) ? presented : randomUUID();
}

/**
 * Fastify options for the request id and the drain: `genReqId` reads {@link REQUEST_ID_HEADER}
 * through {@link requestIdOf}; Fastify's own 503 while closing is turned off because
 * `registerOps` answers it in the OAuth shape.
 *
 * @example
 * ```ts
 * const app = Fastify({ logger, ...opsServerOptions() });
 * ```
 */
export function opsServerOptions(): {
  requestIdHeader: false;
  genReqId: (req: { headers: IncomingHttpHeaders }) => string;
  return503OnClosing: false;
  routerOptions: { maxParamLength: number };
} {
  return {
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers),
    return503OnClosing: false,
    // A long path parameter reaches its route, which checks it after authentication.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  };
}
