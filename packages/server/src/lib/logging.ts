/** Logging defaults shared by every server part: pino through Fastify, secrets redacted. */

/** Header values that must never reach a log line. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'req.headers["x-idsvc-internal-auth"]',
];

/** Pino options for a Fastify instance at `level`, with {@link REDACT_PATHS} censored. */
export function loggerOptions(level: string): { level: string; redact: { paths: string[]; censor: string } } {
  return { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
}
