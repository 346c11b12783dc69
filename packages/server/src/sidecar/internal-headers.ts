/**
 * The headers that carry what the identity API needs to know from the sidecar.
 *
 * Every header whose name starts with `x-idsvc-` is internal: the sidecar removes all of
 * them from each incoming client request before anything reads the headers, and sets
 * its own when it forwards. The identity API believes them only when
 * `x-idsvc-internal-auth` carries the shared internal secret, compared in constant time;
 * it listens on loopback by default, so only the sidecar (in the same process through
 * `inject`, or next to it on the same host) can reach it at all.
 */

/** Prefix of every internal header. */
export const INTERNAL_HEADER_PREFIX = 'x-idsvc-';
/** The shared secret that proves a request comes from the sidecar. */
export const INTERNAL_AUTH_HEADER = 'x-idsvc-internal-auth';
/** The session id the request was decrypted under. */
export const SESSION_ID_HEADER = 'x-idsvc-session-id';
/** `anonymous` or `authenticated`. */
export const SESSION_TYPE_HEADER = 'x-idsvc-session-type';
/** The subject an authenticated session is bound to. */
export const SESSION_SUBJECT_HEADER = 'x-idsvc-session-subject';

/** Remove every `x-idsvc-*` header from a client request's (lower-cased) header map, in place. */
export function stripInternalHeaders(headers: Record<string, unknown>): void {
  for (const name in headers) {
    if (name.startsWith(INTERNAL_HEADER_PREFIX)) delete headers[name];
  }
}
