/** `@idsvc/server/storage`: the database both services share: open, migrate, prune. */
export { openDatabase } from '../storage/database.js';
export { migrate, MigrationError } from '../storage/migrate.js';
export { pruneExpired, type PruneResult } from '../storage/maintenance.js';
export type { Database } from '../storage/schema.js';
