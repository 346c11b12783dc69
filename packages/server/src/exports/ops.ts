/** `@idsvc/server/ops`: what an operator wires around either service: health, readiness, metrics, shutdown. */
export { registerOps, type OpsOptions } from '../ops/index.js';
export { databaseCheck, waitUntilReady, type ReadinessCheck } from '../ops/health.js';
export { ServiceMetrics } from '../ops/metrics.js';
export { IdentityMetrics } from '../identity/metrics.js';
export { SidecarMetrics } from '../sidecar/metrics.js';
export { opsServerOptions } from '../ops/request-id.js';
export { closeGracefully, type GracefulCloseOptions } from '../ops/shutdown.js';
export { isDatabaseUnavailable } from '../storage/database-errors.js';
