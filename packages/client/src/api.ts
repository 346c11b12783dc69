/**
 * What both entries export besides their `IdentityClient`: `index.ts` (node:crypto) and
 * `web.ts` (WebCrypto) differ only in the crypto backend they hand the client, so they
 * share this one list.
 */
export { IdentityClientCore, ROUTES, type IdentityClientOptions, type IdentityClientCoreOptions } from './client.js';
export type { ClientContext, ProtocolApi } from './context.js';
export type { Transport } from './http.js';
export {
  HandshakeUnverifiedError,
  IdentityClientError,
  NetworkError,
  ResponseError,
  ServiceError,
  TimeoutError,
  type ClientErrorCode,
  type HandshakeFailure,
  type IdentityErrorCode,
} from './errors.js';
export { jwkThumbprint, SERVER_KEYS_MAX_AGE_SEC, SERVER_KEYS_MIN_REFETCH_SEC, type ServerKeys } from './server-keys.js';
export { initSession, Session, SESSION_INIT_PATH, type SessionBearer, type SessionResult } from './session.js';
export type {
  AuthMethod,
  CallOptions,
  CallResult,
  IntrospectionResponse,
  IssueRequest,
  TokenResponse,
} from './types.js';
export { maskCredential, maskHeaders, type WireExchange } from './wire.js';
