/**
 * The contract between the sidecar and the identity API, in one place: the internal
 * header names, the internal paths and the answers of the internal routes. Both sides
 * import it; neither writes these names itself. See docs/sidecar.md.
 *
 * Every header whose name starts with `x-idsvc-` is internal: the sidecar removes all of
 * them from each incoming client request before anything reads the headers, and sets its
 * own when it forwards. The identity API believes a forwarded request only when
 * `x-idsvc-internal-auth` carries the shared internal secret, compared in constant time.
 *
 * What the identity API believes of a forwarded request, and the rule each belief serves:
 * - `x-clientid` is the client id the session is bound to (the sidecar sets it from the
 *   session, not from the client). It enforces "a session of one client never carries
 *   another client's calls": token issue and every bearer-authenticated route refuse a
 *   caller of another client id (401).
 * - `x-idsvc-deadline` is the moment (Unix milliseconds) after which the sidecar no longer
 *   waits for the answer (UPSTREAM_TIMEOUT_MS after it forwarded, less a margin for the answer
 *   to travel back). It enforces "no refresh rotation commits after its caller has given up":
 *   the refresh grant checks it just before COMMIT and rolls back once it has passed, so a
 *   client that was told 502 still holds a usable refresh token. Without the internal secret
 *   it is ignored. It assumes the sidecar's and the identity API's clocks agree (NTP).
 * Nothing else about the session travels: the identity API has no rule that reads a session
 * id, a session type or a subject, so the sidecar does not send them.
 */

/** Prefix of every internal header. */
export const INTERNAL_HEADER_PREFIX = 'x-idsvc-';
/** The shared secret that proves a request comes from the sidecar. */
export const INTERNAL_AUTH_HEADER = 'x-idsvc-internal-auth';
/** The client id a forwarded request's session is bound to (also the public `X-ClientId`). */
export const CLIENT_ID_HEADER = 'x-clientid';
/** When the sidecar stops waiting for this request, in Unix milliseconds (decimal digits). */
export const DEADLINE_HEADER = 'x-idsvc-deadline';
/**
 * How much earlier than the sidecar's own timeout the forwarded deadline lies: time left for
 * the answer to travel back after a COMMIT made just before the deadline. A tenth of the
 * timeout, at most 250 ms.
 */
export function deadlineMarginMs(timeoutMs: number): number {
  return Math.min(250, Math.floor(timeoutMs / 10));
}

/** The subject an authenticated session init asks the identity API to vouch for. */
export const SUBJECT_HEADER = 'x-subject';

/** The identity API's internal routes: they do not exist (404) without the internal secret. */
export const INTERNAL_PATHS = {
  /** `POST`: does this bearer belong to this client and subject? Answers {@link BearerVerifyAnswer}. */
  bearerVerify: '/internal/v1/bearer/verify',
  /** `GET`: may this client id open a session? Answers {@link ClientStatusAnswer}, or 404 for an unknown id. */
  clientStatus: '/internal/v1/clients/:id',
  /** `GET`: the sidecar's handshake keys (docs/protocol.md section 12.1). Answers {@link HandshakeKeysAnswer}. */
  handshakeKeys: '/internal/v1/handshake-keys',
} as const;

/** The client status path of one client id, URL-encoded in place of `:id`. */
export function clientStatusPath(clientId: string): string {
  return INTERNAL_PATHS.clientStatus.replace(':id', encodeURIComponent(clientId));
}

/** The 200 answer of {@link INTERNAL_PATHS.bearerVerify}; anything else is a 401 `unauthorized`. */
export interface BearerVerifyAnswer {
  active: true;
  sub: string;
  client_id: string;
  exp: number;
}

/** The 200 answer of {@link INTERNAL_PATHS.clientStatus}: never a secret or a setting of the client. */
export interface ClientStatusAnswer {
  id: string;
  status: 'active' | 'disabled';
}

/** A public handshake key as the sidecar publishes it in `/.well-known/sidecar-jwks.json`. */
// A type literal, not an interface, so it is assignable to the protocol package's JWK
// shape, which allows members beyond these.
export type HandshakePublicJwk = {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  use: 'sig';
  alg: 'ES256';
};

/**
 * The 200 answer of {@link INTERNAL_PATHS.handshakeKeys}. The identity API keeps the keys
 * (encrypted at rest, rotated with the token keys' machinery); the sidecar holds the
 * active private key in memory only and asks again by `refresh_at`.
 */
export interface HandshakeKeysAnswer {
  /** The public set to publish: active first, then next, then retired keys still in their window. */
  keys: HandshakePublicJwk[];
  /** The key that signs now. */
  active: {
    kid: string;
    /** base64 of the PKCS#8 DER private key. It travels only on the internal channel. */
    pkcs8: string;
  };
  /** When (ms since the epoch) the sidecar must ask again: the active key's retirement, or sooner. */
  refresh_at: number;
}

/** Remove every `x-idsvc-*` header from a client request's (lower-cased) header map, in place. */
export function stripInternalHeaders(headers: Record<string, unknown>): void {
  for (const name in headers) {
    if (name.startsWith(INTERNAL_HEADER_PREFIX)) delete headers[name];
  }
}
