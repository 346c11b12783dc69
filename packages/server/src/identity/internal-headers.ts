/**
 * The `x-idsvc-*` headers the sidecar adds when it forwards a request (ARCHITECTURE.md,
 * sidecar contract). They are trusted only when `x-idsvc-internal-auth` equals the
 * configured internal secret, compared in constant time; otherwise they are ignored, so a
 * client reaching the identity API directly cannot forge a session.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { safeEqualTo } from '../lib/constant-time.js';

/** What a trusted sidecar tells about the session a request came through. */
export interface ForwardedSession {
  /** The `X-ClientId` the session is bound to. */
  clientId: string | undefined;
  sessionId: string | undefined;
  sessionType: 'anonymous' | 'authenticated' | undefined;
  subject: string | undefined;
}

/** Anything with a request's headers: a Fastify request or an in-process operation call. */
export interface WithHeaders {
  readonly headers: IncomingHttpHeaders;
}

// Keyed by the headers object, which a request keeps for its whole life.
const trusted = new WeakMap<IncomingHttpHeaders, ForwardedSession | null>();

function header(request: WithHeaders, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// The internal secret is checked on every forwarded request: its digest is kept.
let matcher: { secret: string; matches: (presented: string) => boolean } | undefined;

/** `true` when the request carries the internal secret. */
export function isInternalCall(request: WithHeaders, internalSecret: string | undefined): boolean {
  const presented = header(request, 'x-idsvc-internal-auth');
  if (internalSecret === undefined || presented === undefined) return false;
  if (matcher?.secret !== internalSecret) matcher = { secret: internalSecret, matches: safeEqualTo(internalSecret) };
  return matcher.matches(presented);
}

/** The forwarded session headers when the sidecar's secret vouches for them, else `undefined`. */
export function forwardedSession(request: WithHeaders, internalSecret: string | undefined): ForwardedSession | undefined {
  const known = trusted.get(request.headers);
  if (known !== undefined) return known ?? undefined;
  let session: ForwardedSession | null = null;
  if (isInternalCall(request, internalSecret)) {
    const type = header(request, 'x-idsvc-session-type');
    session = {
      clientId: header(request, 'x-clientid'),
      sessionId: header(request, 'x-idsvc-session-id'),
      sessionType: type === 'anonymous' || type === 'authenticated' ? type : undefined,
      subject: header(request, 'x-idsvc-session-subject'),
    };
  }
  trusted.set(request.headers, session);
  return session ?? undefined;
}

/**
 * `true` unless a trusted sidecar says the session belongs to another client id than the
 * one that authenticated: a session of one client must not carry another client's calls.
 */
export function matchesForwardedClient(request: WithHeaders, internalSecret: string | undefined, clientId: string): boolean {
  const session = forwardedSession(request, internalSecret);
  return session?.clientId === undefined || session.clientId === clientId;
}
