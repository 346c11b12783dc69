/**
 * The options of the journey web app and the journey resolver its routes receive. They
 * live apart from app.ts so the route files can name them without importing the app that
 * imports them.
 */
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Journey } from './journey.js';

export interface JourneyAppOptions {
  /** The sidecar the journeys talk to. */
  sidecarUrl: string;
  /** The identity API, for its public keys only (`GET /jwks`); unset: signatures are not checked. */
  identityUrl?: string | undefined;
  /** True when this process started the identity API and the sidecar itself (shown in the UI). */
  embedded?: boolean;
  /** Fastify's logger setting (default: off). */
  logger?: FastifyServerOptions['logger'];
  /** `fetch` for the SDK (tests). */
  fetch?: typeof globalThis.fetch;
  /** Most journeys held at once, and their idle TTL in ms. */
  maxJourneys?: number;
  journeyTtlMs?: number;
}

/** Resolves the caller's journey: its own by cookie, or the shared one without a cookie. */
export type JourneyResolver = (request: FastifyRequest, reply: FastifyReply) => Journey;
