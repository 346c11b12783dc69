/**
 * How the identity API believes what the sidecar forwards (contract/internal-api.ts). A
 * forwarded header is trusted only when `x-idsvc-internal-auth` equals the configured
 * internal secret, compared in constant time; otherwise it is ignored, so a client reaching
 * the identity API directly cannot pass itself off as a session.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CLIENT_ID_HEADER, DEADLINE_HEADER, INTERNAL_AUTH_HEADER } from '../contract/internal-api.js';
import { safeEqualTo } from '../lib/constant-time.js';

/** Anything with a request's headers: a Fastify request or an in-process operation call. */
export interface WithHeaders {
  readonly headers: IncomingHttpHeaders;
}

function header(request: WithHeaders, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// The internal secret is checked on every forwarded request: its digest is kept.
let matcher: { secret: string; matches: (presented: string) => boolean } | undefined;

/** `true` when the request carries the internal secret. */
export function isInternalCall(request: WithHeaders, internalSecret: string | undefined): boolean {
  const presented = header(request, INTERNAL_AUTH_HEADER);
  if (internalSecret === undefined || presented === undefined) return false;
  if (matcher?.secret !== internalSecret) matcher = { secret: internalSecret, matches: safeEqualTo(internalSecret) };
  return matcher.matches(presented);
}

// Keyed by the headers object, which a request keeps for its whole life: token issue and
// the bearer routes may both ask, and the secret is compared once per request.
const trustedClientIds = new WeakMap<IncomingHttpHeaders, string | null>();

/** The client id of the session a trusted sidecar forwarded the request through, else `undefined`. */
export function forwardedClientId(request: WithHeaders, internalSecret: string | undefined): string | undefined {
  const known = trustedClientIds.get(request.headers);
  if (known !== undefined) return known ?? undefined;
  const clientId = isInternalCall(request, internalSecret) ? (header(request, CLIENT_ID_HEADER) ?? null) : null;
  trustedClientIds.set(request.headers, clientId);
  return clientId ?? undefined;
}

/**
 * `true` unless a trusted sidecar says the session belongs to another client id than the
 * one that authenticated: a session of one client must not carry another client's calls.
 */
export function matchesForwardedClient(request: WithHeaders, internalSecret: string | undefined, clientId: string): boolean {
  const forwarded = forwardedClientId(request, internalSecret);
  return forwarded === undefined || forwarded === clientId;
}

/**
 * The deadline a trusted sidecar forwarded (`x-idsvc-deadline`, Unix milliseconds), else
 * `undefined`: no deadline without the internal secret, nor for a value that is not a
 * plain decimal number.
 */
export function forwardedDeadline(request: WithHeaders, internalSecret: string | undefined): number | undefined {
  const value = header(request, DEADLINE_HEADER);
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return isInternalCall(request, internalSecret) ? Number(value) : undefined;
}
