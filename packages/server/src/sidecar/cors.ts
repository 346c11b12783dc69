import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Request headers a browser client sends (docs/protocol.md section 2). */
export const CORS_ALLOWED_HEADERS = [
  'Content-Type',
  'Authorization',
  'X-ClientId',
  'X-Idempotency-Key',
  'X-Kid',
  'X-Signature',
  'X-Subject',
];

/** Response headers a browser client must read to open an answer, and to check a signed session init. */
export const CORS_EXPOSED_HEADERS = ['X-Kid', 'X-Idempotency-Key', 'X-Handshake-Kid', 'X-Handshake-Signature', 'X-Handshake-Confirm'];

/**
 * Answer CORS for the configured origins (CORS_ORIGINS; `*` allows any), so browser
 * clients can call the sidecar directly. With no origin configured, no CORS header is sent
 * and browsers keep the sidecar same-origin only.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  // Nothing to answer for: the plugin's hook would still run on every request (about 2 % of
  // an encrypted call's CPU in `npm run bench -- --cpu-prof`), to send no header.
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? true : [...origins],
    methods: ['POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
}
