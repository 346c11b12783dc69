/**
 * Every migration, in order. Listed in code rather than read from a folder, so they work
 * the same from the TypeScript sources (tests) and the compiled output (production).
 * Never edit a migration that has shipped: add the next one.
 */
import type { Migration } from 'kysely';
import * as initial from './001-initial.js';
import * as keyPurpose from './002-key-purpose.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-initial': initial,
  '002-key-purpose': keyPurpose,
};
