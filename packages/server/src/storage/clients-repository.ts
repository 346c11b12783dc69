/** The `clients` table. */
import type { Selectable } from 'kysely';
import { compiledQuery } from './compiled-query.js';
import type { AuthMethod, ClientStatus, ClientsTable, Database } from './schema.js';

/** A client as stored, secrets in their at-rest form. */
export interface ClientRecord {
  id: string;
  name: string;
  authMethod: AuthMethod;
  /** scrypt hash (basic clients). */
  secretHash: string | null;
  /** Encrypted secret (hmac clients). */
  secretBox: string | null;
  scopes: string[];
  audiences: string[];
  status: ClientStatus;
  createdAt: number;
  updatedAt: number;
  /** Refresh grace window in seconds; `null`: the server's default. */
  refreshGraceSec: number | null;
}

/** The fields an update may change. */
export interface ClientPatch {
  name?: string;
  scopes?: string[];
  audiences?: string[];
  status?: ClientStatus;
  secretHash?: string | null;
  secretBox?: string | null;
  refreshGraceSec?: number | null;
}

function toRecord(row: Selectable<ClientsTable>): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    authMethod: row.auth_method,
    secretHash: row.secret_hash,
    secretBox: row.secret_box,
    scopes: JSON.parse(row.scopes) as string[],
    audiences: JSON.parse(row.audiences) as string[],
    status: row.status,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    refreshGraceSec: row.refresh_grace_seconds === null ? null : Number(row.refresh_grace_seconds),
  };
}

// Read on every token issue and bearer check: compiled once (see compiled-query.ts).
const clientById = compiledQuery((db, id: string) => db.selectFrom('clients').selectAll().where('id', '=', id));

export async function findClient(db: Database, id: string): Promise<ClientRecord | undefined> {
  const [row] = await clientById(db, id);
  return row === undefined ? undefined : toRecord(row);
}

export async function listClients(db: Database): Promise<ClientRecord[]> {
  const rows = await db.selectFrom('clients').selectAll().orderBy('id').execute();
  return rows.map(toRecord);
}

/** @throws a unique violation (see `isUniqueViolation`) when the id exists. */
export async function insertClient(db: Database, client: ClientRecord): Promise<void> {
  await db
    .insertInto('clients')
    .values({
      id: client.id,
      name: client.name,
      auth_method: client.authMethod,
      secret_hash: client.secretHash,
      secret_box: client.secretBox,
      scopes: JSON.stringify(client.scopes),
      audiences: JSON.stringify(client.audiences),
      status: client.status,
      created_at: client.createdAt,
      updated_at: client.updatedAt,
      refresh_grace_seconds: client.refreshGraceSec,
    })
    .execute();
}

/**
 * Replace a client's secret hash with a new encoding of the same secret, only while it is
 * still `oldHash`: a rotation that happened meanwhile wins. `true` when replaced.
 */
export async function replaceSecretHash(db: Database, id: string, oldHash: string, newHash: string): Promise<boolean> {
  const result = await db
    .updateTable('clients')
    .set({ secret_hash: newHash })
    .where('id', '=', id)
    .where('secret_hash', '=', oldHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Apply `patch` and return the updated client, or `undefined` when there is no such client. */
export async function updateClient(db: Database, id: string, patch: ClientPatch, now: number): Promise<ClientRecord | undefined> {
  const row = await db
    .updateTable('clients')
    .set({
      updated_at: now,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.scopes !== undefined ? { scopes: JSON.stringify(patch.scopes) } : {}),
      ...(patch.audiences !== undefined ? { audiences: JSON.stringify(patch.audiences) } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.secretHash !== undefined ? { secret_hash: patch.secretHash } : {}),
      ...(patch.secretBox !== undefined ? { secret_box: patch.secretBox } : {}),
      ...(patch.refreshGraceSec !== undefined ? { refresh_grace_seconds: patch.refreshGraceSec } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}
