/**
 * `@idsvc/client/internal`: the pieces the SDK is built from, for this repository's own
 * tests and tools (a client on an injected crypto backend, the handshake without a
 * client, route constants, header masking). Not part of the SDK's API: anything here may
 * change in any release. Applications use `@idsvc/client` or `@idsvc/client/web`.
 *
 * @internal
 * @packageDocumentation
 */
export { IdentityClientCore, ROUTES, type IdentityClientCoreOptions } from './client.js';
export type { ClientContext, ProtocolApi } from './context.js';
export type { Transport } from './http.js';
export { initSession, SESSION_INIT_PATH } from './session.js';
export { maskHeaders } from './wire.js';
export { jwkThumbprint, SERVER_KEYS_MAX_AGE_SEC, SERVER_KEYS_MIN_REFETCH_SEC } from './server-keys.js';
