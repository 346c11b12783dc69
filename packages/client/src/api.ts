/**
 * What both entries export besides their `IdentityClient`: `index.ts` (node:crypto) and
 * `web.ts` (WebCrypto) differ only in the crypto backend they hand the client, so they
 * share this one list. Only what an application uses is here; the pieces the SDK is made
 * of are in `internal.ts` (`@idsvc/client/internal`), for this repository's own tools.
 */
export type { AuthenticatedSessionRequest, IdentityClientOptions } from './client.js';
export {
  AbortedError,
  ConfigurationError,
  HandshakeUnverifiedError,
  IdentityClientError,
  NetworkError,
  NoLiveBearerError,
  ResponseError,
  ServiceError,
  TimeoutError,
  type ClientErrorCode,
  type HandshakeFailure,
  type IdentityClientErrorOptions,
  type IdentityErrorCode,
} from './errors.js';
export type { ServerKeys } from './server-keys.js';
export { Session, type SessionBearer, type SessionResult } from './session.js';
export type {
  AuthMethod,
  CallOptions,
  CallResult,
  IntrospectionResponse,
  IssueRequest,
  TokenResponse,
} from './types.js';
export { maskCredential, type WireExchange } from './wire.js';
export type { WireErrorCode } from '@idsvc/protocol/web';
