/** `@idsvc/server/sidecar`: the encrypting sidecar, how it reaches the identity API, its stores. */
export { createSidecarApp, MAX_HEADER_BYTES, type SidecarAppOptions } from '../sidecar/app.js';
export { cachedClientDirectory, upstreamClientDirectory, type ClientDirectory } from '../sidecar/client-directory.js';
export { databaseClientDirectory } from '../database-client-directory.js';
export { upstreamHandshakeKeys, type HandshakeKeySource, type HandshakeSigner } from '../sidecar/handshake-keys.js';
export { httpUpstream, type HttpUpstreamOptions } from '../sidecar/upstream-http.js';
export { injectUpstream } from '../sidecar/upstream-inject.js';
export { inProcessUpstream } from '../in-process-upstream.js';
export { UpstreamUnavailableError, type Upstream, type UpstreamRequest, type UpstreamResponse } from '../sidecar/upstream.js';
export {
  createStores,
  memoryStores,
  redisStores,
  MemoryNonceStore,
  MemorySessionStore,
  RedisNonceStore,
  RedisSessionStore,
  StoreFullError,
  StoreUnavailableError,
  type NonceStore,
  type Session,
  type SessionStore,
  type SessionType,
  type SidecarStores,
} from '../stores/index.js';
