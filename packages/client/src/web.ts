/**
 * `@idsvc/client/web` for browsers (and any runtime with WebCrypto): the same API as the
 * Node entry, on `crypto.subtle`, with no Node built-ins.
 */
import { webProtocol } from '@idsvc/protocol/web';
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
 * The identity client on WebCrypto. See {@link IdentityClientCore} for the methods.
 *
 * @example
 * ```ts
 * import { IdentityClient } from '@idsvc/client/web';
 *
 * const client = new IdentityClient({ sidecarUrl: 'https://sidecar.example', clientId, clientSecret });
 * const { data } = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'u1' });
 * ```
 */
export class IdentityClient extends IdentityClientCore {
  constructor(options: IdentityClientOptions & { protocol?: ProtocolApi }) {
    super({ ...options, protocol: options.protocol ?? webProtocol });
  }
}
