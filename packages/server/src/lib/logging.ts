/** Logging defaults shared by every server part: pino through Fastify, secrets redacted. */

/** Header values that must never reach a log line. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'req.headers["x-idsvc-internal-auth"]',
];

/**
 * A URL as it may be logged: the path, with any query string replaced by `?[redacted]`.
 * No route of either service reads a query string, but a caller may put a credential
 * there all the same (`?access_token=...`), and the URL is logged with every request.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}

/** What of a request Fastify's per-request lines log. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** The `req` serializer: Fastify's default fields, the URL without its query string. */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url ?? ''),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Pino options for a Fastify instance at `level`: {@link REDACT_PATHS} censored, query strings dropped. */
export function loggerOptions(level: string): {
  level: string;
  redact: { paths: string[]; censor: string };
  serializers: { req: (request: LoggedRequest) => Record<string, unknown> };
} {
  return { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' }, serializers: { req: serializeRequest } };
}
