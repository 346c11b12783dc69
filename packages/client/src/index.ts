/**
 * `@idsvc/client` for Node: the SDK on the node:crypto backend. Browsers get the same API
 * from `@idsvc/client/web` (WebCrypto).
 */
import { protocol } from '@idsvc/protocol';
import { IdentityClientCore, type IdentityClientOptions } from './client.js';
import type { ProtocolApi } from './context.js';

export { IdentityClientCore, ROUTES, type IdentityClientOptions, type IdentityClientCoreOptions } from './client.js';
export type { ClientContext, ProtocolApi } from './context.js';
export type { Transport } from './http.js';
export {
  IdentityClientError,
  NetworkError,
  ResponseError,
  ServiceError,
  TimeoutError,
  type ClientErrorCode,
  type IdentityErrorCode,
} from './errors.js';
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

/**
 * The identity client on Node's crypto. See {@link IdentityClientCore} for the methods.
 *
 * @example
 * ```ts
 * import { IdentityClient } from '@idsvc/client';
 *
 * const client = new IdentityClient({
 *   sidecarUrl: 'http://127.0.0.1:8141',
 *   clientId: 'dev-client',
 *   clientSecret: process.env.CLIENT_SECRET!,
 * });
 * const { data: tokens } = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'test-user' });
 * const { data: claims } = await client.introspect(tokens.access_token);
 * ```
 */
export class IdentityClient extends IdentityClientCore {
  constructor(options: IdentityClientOptions & { protocol?: ProtocolApi }) {
    super({ ...options, protocol: options.protocol ?? protocol });
  }
}
