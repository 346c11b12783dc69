/** Storage: one Kysely query layer over SQLite and PostgreSQL, migrations and one repository per table. */
export { openDatabase, openPostgres, openSqlite, isUniqueViolation } from './database.js';
export { migrate, MigrationError } from './migrate.js';
export { pruneExpired, type PruneResult } from './maintenance.js';
export type { Database, Tables, AuthMethod, ClientStatus, FamilyStatus, RefreshTokenStatus, SigningKeyState } from './schema.js';
export type { ClientRecord, ClientPatch } from './clients-repository.js';
export type { FamilyRecord, RevocationReason } from './token-families-repository.js';
