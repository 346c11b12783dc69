/**
 * Request and answer shapes of the identity routes (docs/protocol.md section 8). Answers keep
 * their wire names (RFC 6749 / 7662 snake_case); requests are camelCase in the SDK and
 * travel as the wire names.
 */
import type { SessionResult } from './session.js';
import type { WireExchange } from './wire.js';

/** How the client proves who it is when tokens are issued. */
export type AuthMethod = 'basic' | 'hmac';

/** Token issue request. */
export interface IssueRequest {
  /** An audience the client may ask for, e.g. `orders-api`. */
  audience: string;
  /** Space-separated subset of the client's scopes. */
  scope: string;
  /** The user or system the tokens are for. */
  subject: string;
  /** Also issue a refresh token. */
  includeRefreshToken?: boolean;
  /** Revoke every other active token family this client holds for this subject. */
  singleSession?: boolean;
  /** Extra claims copied into the access token (reserved JWT names are refused). */
  customClaims?: Record<string, unknown>;
}

/** RFC 6749 section 5.1 token answer. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  [claim: string]: unknown;
}

/** RFC 7662 introspection answer: the claims when active, else exactly `{active: false}`. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  token_type?: string;
  [claim: string]: unknown;
}

/** Options every call accepts. */
export interface CallOptions {
  /** Abort the call early (the request timeout applies as well). */
  signal?: AbortSignal;
}

/** A successful call: the decrypted answer and how it travelled. */
export interface CallResult<T> {
  /** The decrypted JSON answer. */
  data: T;
  status: number;
  /** The exchange that produced `data` (the retried one, if there was a retry). */
  wire: WireExchange;
  /**
   * How many times the request was sent: 1, 2 when the session was renewed after
   * `invalid_session` and the call repeated, or (refresh) when a lost answer was repeated
   * within the grace window, 3 when both happened.
   */
  attempts: number;
  /** The session init the call had to run first (none, expired, or refused session). */
  sessionRenewal: SessionResult | undefined;
}
