/**
 * `@idsvc/server`: the whole stack in one process, and its configuration. Each role has
 * an entry of its own with only what it needs:
 *
 * - `@idsvc/server/identity`: the identity API (app, plugin, services, client admin);
 * - `@idsvc/server/sidecar`: the sidecar (app, upstreams, client directories, stores);
 * - `@idsvc/server/storage`: the database (open, migrate, prune);
 * - `@idsvc/server/ops`: health, readiness, metrics, graceful shutdown;
 * - `@idsvc/server/testing`: a settable clock and the seeded development clients.
 */
export { loadConfig, ConfigError, CONFIG_VARIABLES, type Config, type LoadConfigOptions, type ProcessRole, type RawEnv } from './config.js';
export { loggerOptions, REDACT_PATHS } from './lib/logging.js';
export { startStack, listenOn, PortInUseError, type Stack, type StackOptions } from './stack.js';
