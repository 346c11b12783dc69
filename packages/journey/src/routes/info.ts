/**
 * `GET /info`: what the UI shows in its header (never the secret).
 */
import type { FastifyInstance } from 'fastify';
import type { JourneyAppOptions } from '../app-options.js';
import type { JourneyConfig } from '../config.js';

export function registerInfoRoute(app: FastifyInstance, config: JourneyConfig, options: JourneyAppOptions): void {
  app.get('/info', async () => ({
    clientId: config.clientId,
    authMethod: config.authMethod,
    subject: config.subject,
    scope: config.scope,
    audience: config.audience,
    sidecarUrl: options.sidecarUrl,
    embedded: options.embedded ?? false,
    sidecarKeysUrl: config.sidecarKeysUrl ?? null,
  }));
}
