/**
 * The public paths of the protocol (PROTOCOL.md sections 3 to 6), one table. The SDK calls
 * them, the sidecar serves them, the identity API answers them on the same paths, the
 * metrics name them, and the HMAC string to sign covers the token issue path.
 *
 * @example
 * ```ts
 * PATHS.tokenIssue // '/api/v1/token/issue'
 * ```
 */
export const PATHS = {
  /** ECDH handshake, answered by the sidecar itself. */
  sessionInit: '/api/v1/session/init',
  /** Token issue (Basic or HMAC client authentication). */
  tokenIssue: '/api/v1/token/issue',
  /** Introspection of an access or refresh token. */
  introspect: '/api/v1/introspect',
  /** Refresh-token rotation. */
  refresh: '/api/v1/token',
  /** Revocation. */
  revoke: '/api/v1/revoke',
} as const;

/** One of the public paths. */
export type PublicPath = (typeof PATHS)[keyof typeof PATHS];

/** The encrypted paths: the sidecar opens them and forwards the plaintext to the identity API. */
export const ENCRYPTED_PATHS = [PATHS.tokenIssue, PATHS.introspect, PATHS.refresh, PATHS.revoke] as const;
