/** The `refresh_tokens` table: SHA-256 hashes of opaque refresh tokens, never the tokens. */
import type { QueryCreator } from 'kysely';
import { compiledCommand, compiledQuery } from './compiled-query.js';
import { inTransaction, isPostgres } from './database.js';
import type { Database, RefreshTokenStatus, Tables } from './schema.js';
import { insertFamily, insertFamilyStatement, toFamilyRecord, type FamilyRecord, type NewFamily } from './token-families-repository.js';

/** A refresh token with the family it belongs to. */
export interface RefreshTokenRecord {
  tokenHash: string;
  status: RefreshTokenStatus;
  createdAt: number;
  expiresAt: number;
  /** When it was exchanged; `null` unless spent. */
  spentAt: number | null;
  family: FamilyRecord;
}

/** A refresh token to store. */
export interface NewRefreshToken {
  tokenHash: string;
  familyId: string;
  createdAt: number;
  expiresAt: number;
}

// The writes below run on every issue and refresh: compiled once (see compiled-query.ts).
const insertRefreshTokenRow = compiledCommand((db, tokenHash: string, familyId: string, createdAt: number, expiresAt: number) =>
  db
    .insertInto('refresh_tokens')
    .values({ token_hash: tokenHash, family_id: familyId, status: 'active', created_at: createdAt, expires_at: expiresAt, spent_at: null }),
);

export async function insertRefreshToken(db: Database, token: NewRefreshToken): Promise<void> {
  await insertRefreshTokenRow(db, token.tokenHash, token.familyId, token.createdAt, token.expiresAt);
}

/** The family inserted in a WITH, its first token by the statement itself (PostgreSQL). */
const insertFamilyAndTokenRows = compiledCommand(
  (db, id: string, clientId: string, subject: string, scope: string, audience: string, claims: string, createdAt: number, tokenHash: string, expiresAt: number) =>
    db
      .with('family', (q) => insertFamilyStatement(q, id, clientId, subject, scope, audience, claims, createdAt))
      .insertInto('refresh_tokens')
      .values({ token_hash: tokenHash, family_id: id, status: 'active', created_at: createdAt, expires_at: expiresAt, spent_at: null }),
);

/**
 * A new family and its first refresh token (a token issue), both or neither. On PostgreSQL
 * one statement: one round trip where a transaction of the two inserts takes four. Unlike
 * an exchange it needs no transaction around it there: if the process dies before it
 * answers, what the statement leaves is a family whose token nobody received, which
 * expires like any other.
 */
export async function insertFamilyWithRefreshToken(db: Database, family: NewFamily, token: Omit<NewRefreshToken, 'familyId'>): Promise<void> {
  if (isPostgres(db)) {
    const { id, clientId, subject, scope, audience, claims, createdAt } = family;
    await insertFamilyAndTokenRows(db, id, clientId, subject, scope, audience, JSON.stringify(claims), createdAt, token.tokenHash, token.expiresAt);
    return;
  }
  await inTransaction(db, async (trx) => {
    await insertFamily(trx, family);
    await insertRefreshToken(trx, { ...token, familyId: family.id });
  });
}

/** The token with this hash and its family, or `undefined`. */
// Read on every refresh and refresh-token introspection: compiled once (see compiled-query.ts).
const refreshTokenByHash = compiledQuery((db, tokenHash: string) =>
  db
    .selectFrom('refresh_tokens as r')
    .innerJoin('token_families as f', 'f.id', 'r.family_id')
    .select([
      'r.token_hash',
      'r.status as token_status',
      'r.created_at as token_created_at',
      'r.expires_at',
      'r.spent_at',
      'f.id',
      'f.client_id',
      'f.subject',
      'f.scope',
      'f.audience',
      'f.claims',
      'f.status',
      'f.created_at',
      'f.revoked_at',
      'f.revoked_reason',
    ])
    .where('r.token_hash', '=', tokenHash),
);

export async function findRefreshToken(db: Database, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const [row] = await refreshTokenByHash(db, tokenHash);
  if (row === undefined) return undefined;
  return {
    tokenHash: row.token_hash,
    status: row.token_status,
    createdAt: Number(row.token_created_at),
    expiresAt: Number(row.expires_at),
    spentAt: row.spent_at === null ? null : Number(row.spent_at),
    family: toFamilyRecord(row),
  };
}

/**
 * The UPDATE that spends a token, if it is still active and unexpired. Conditional, so of
 * two concurrent callers exactly one changes the row: PostgreSQL makes the second wait for
 * the first's commit and re-check the condition; SQLite serialises writers.
 */
const spendRow = (db: QueryCreator<Tables>, tokenHash: string, now: number) =>
  db
    .updateTable('refresh_tokens')
    .set({ status: 'spent', spent_at: now })
    .where('token_hash', '=', tokenHash)
    .where('status', '=', 'active')
    .where('expires_at', '>', now);

const spendRowCompiled = compiledCommand(spendRow);

/**
 * The spend and the insert of the next token as one statement (PostgreSQL): the insert
 * takes its row from the spend's RETURNING, so it happens exactly when the spend did. The
 * casts give the parameters of the SELECT list their column types (PostgreSQL would take
 * them for text).
 */
const spendAndInsert = compiledCommand((db, spentHash: string, now: number, nextHash: string, familyId: string, expiresAt: number) =>
  db
    .with('spent', (q) => spendRow(q, spentHash, now).returning('token_hash'))
    .insertInto('refresh_tokens')
    .columns(['token_hash', 'family_id', 'status', 'created_at', 'expires_at', 'spent_at'])
    .expression((eb) =>
      eb
        .selectFrom('spent')
        .select([
          eb.cast<string>(eb.val(nextHash), 'text').as('token_hash'),
          eb.cast<string>(eb.val(familyId), 'text').as('family_id'),
          eb.cast<RefreshTokenStatus>(eb.val('active'), 'text').as('status'),
          eb.cast<number>(eb.val(now), 'bigint').as('created_at'),
          eb.cast<number>(eb.val(expiresAt), 'bigint').as('expires_at'),
          eb.cast<number | null>(eb.val(null), 'bigint').as('spent_at'),
        ]),
    ),
);

/**
 * Exchange the token `spentHash` for `next` (of the same family), all or nothing: spend it
 * if it is still active and unexpired (see {@link spendRow}: of two concurrent exchanges
 * exactly one succeeds) and store `next` only then.
 *
 * Always in a transaction (BEGIN IMMEDIATE on SQLite), even on PostgreSQL where it is one
 * statement: the exchange must take effect only if this process lives to commit it. A lone
 * statement sent just before the process dies still commits once its locks are granted,
 * spending a token whose successor nobody received. So PostgreSQL takes three round trips
 * (the spend and the insert in two statements took four).
 *
 * `beforeCommit` runs after the writes, just before COMMIT: when it throws, the exchange rolls
 * back and the error propagates (the caller's deadline has passed, say).
 *
 * @returns `true` when this call spent the token and stored `next`; `false` when the token
 *   was no longer active (spent, revoked) or had expired, and nothing changed.
 */
export async function exchangeRefreshToken(
  db: Database,
  spentHash: string,
  next: NewRefreshToken,
  now: number,
  beforeCommit?: () => void,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    if (isPostgres(trx)) {
      if ((await spendAndInsert(trx, spentHash, now, next.tokenHash, next.familyId, next.expiresAt)) === 0) return false;
    } else {
      if ((await spendRowCompiled(trx, spentHash, now)) === 0) return false;
      await insertRefreshToken(trx, next);
    }
    beforeCommit?.();
    return true;
  });
}
