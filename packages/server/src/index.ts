/** `@idsvc/server`: the identity API, the sidecar, storage and configuration. */
export { loadConfig, ConfigError, CONFIG_VARIABLES, type Config, type LoadConfigOptions, type ProcessRole, type RawEnv } from './config.js';
export { systemClock, ManualClock, type Clock } from './lib/clock.js';
// Identity API
export * from './identity/index.js';
export { ClientAdminService, type ClientView, type ClientWithSecret, type CreateClientInput, type UpdateClientInput } from './identity/admin/service.js';
export { OAuthError } from './lib/oauth-error.js';
export { toWireError } from './ops/wire-errors.js';
export { REDACT_PATHS, loggerOptions } from './lib/logging.js';
export { resolveMasterKey } from './lib/master-key.js';
// Storage
export { openDatabase, migrate, MigrationError, pruneExpired, type Database } from './storage/index.js';
// Sidecar
export { createSidecarApp, MAX_HEADER_BYTES, type SidecarAppOptions } from './sidecar/app.js';
export { cachedClientDirectory, upstreamClientDirectory, type ClientDirectory } from './sidecar/client-directory.js';
export { databaseClientDirectory } from './database-client-directory.js';
export { httpUpstream, type HttpUpstreamOptions } from './sidecar/upstream-http.js';
export { injectUpstream } from './sidecar/upstream-inject.js';
export { inProcessUpstream } from './in-process-upstream.js';
export { UpstreamUnavailableError, type Upstream, type UpstreamRequest, type UpstreamResponse } from './sidecar/upstream.js';
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
} from './stores/index.js';
// Operations: health, readiness, metrics, request ids, graceful shutdown
export {
  registerOps,
  opsServerOptions,
  closeGracefully,
  waitUntilReady,
  databaseCheck,
  ServiceMetrics,
  type OpsOptions,
  type ReadinessCheck,
} from './ops/index.js';
export { IdentityMetrics } from './identity/metrics.js';
export { SidecarMetrics } from './sidecar/metrics.js';
export { isDatabaseUnavailable } from './storage/database-errors.js';
// Both in one process
export { startStack, listenOn, PortInUseError, type Stack, type StackOptions } from './stack.js';
