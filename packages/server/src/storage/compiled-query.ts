/**
 * Hot queries compiled once per database and run with new values each time.
 *
 * Kysely builds a query as an immutable tree (frozen at every step) and compiles it to SQL on
 * every call. For the lookups made on every request (client, access-token state, refresh
 * token), building and compiling cost as much as SQLite running the query, and made most of
 * the garbage of those requests (`npm run bench -- --cpu-prof`). The writes of issue, refresh
 * and revocation are compiled too: that took a token issue with a refresh token to about 0.8
 * of its CPU time on SQLite, and a refresh to about 0.75 (measured in one process, before
 * against after). Here the query is built once with placeholders where the values go,
 * compiled, and each call swaps the values in.
 */
import type { CompiledQuery, Compilable, QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Stands in for the value of argument `index` while the query is compiled. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** A compiled query and, for each of its parameters, the argument it takes (-1: a constant). */
interface Prepared<R> {
  compiled: CompiledQuery<R>;
  slots: readonly number[];
}

/**
 * Run `build`'s query compiled once per database. The cache key is the database's dialect
 * adapter, which a database shares with its transactions (each transaction is a new
 * `Kysely` object, so keyed on that, a query run inside transactions would be compiled
 * anew on every call) and which no other database shares.
 */
function compiled<A extends unknown[], R>(build: (db: Database, ...args: A) => Compilable<R>): (db: Database, args: A) => Promise<QueryResult<R>> {
  const preparedFor = new WeakMap<object, Prepared<R>>();
  return (db, args) => {
    const executor = db.getExecutor();
    // Plugins rewrite queries as they are compiled, and `withPlugin` keeps the adapter: a
    // query compiled for the database without them would skip them.
    if (executor.plugins.length > 0) throw new TypeError('compiledQuery: databases with plugins are not supported');
    let prepared = preparedFor.get(executor.adapter);
    if (prepared === undefined) {
      const placeholders = args.map((_, i) => new Placeholder(i)) as A;
      const query = build(db, ...placeholders).compile();
      const slots = query.parameters.map((p) => (p instanceof Placeholder ? p.index : -1));
      if (new Set(slots.filter((s) => s >= 0)).size !== args.length) throw new TypeError('compiledQuery: every argument must be a value of the query');
      prepared = { compiled: query, slots };
      preparedFor.set(executor.adapter, prepared);
    }
    const { compiled: query, slots } = prepared;
    const parameters = slots.map((slot, i) => (slot < 0 ? query.parameters[i] : args[slot]));
    return db.executeQuery<R>({ query: query.query, queryId: query.queryId, sql: query.sql, parameters });
  };
}

/**
 * Wrap `build` (a query over its arguments) into a function running the compiled query and
 * returning its rows: built and compiled on the first call per database, then executed with
 * the call's values. Every argument must reach the query as a value (not shape it: no
 * conditional clauses); one argument may be used several times.
 *
 * @example
 * ```ts
 * const byId = compiledQuery((db, id: string) => db.selectFrom('clients').selectAll().where('id', '=', id));
 * const rows = await byId(db, 'dev-client');
 * ```
 */
export function compiledQuery<A extends unknown[], R>(build: (db: Database, ...args: A) => Compilable<R>): (db: Database, ...args: A) => Promise<R[]> {
  const run = compiled(build);
  return async (db, ...args) => (await run(db, args)).rows;
}

/**
 * Like {@link compiledQuery}, for an INSERT, UPDATE or DELETE: returns how many rows it
 * changed (an `ON CONFLICT DO NOTHING` insert that met a conflict changed none).
 *
 * @example
 * ```ts
 * const disable = compiledCommand((db, id: string) => db.updateTable('clients').set({ status: 'disabled' }).where('id', '=', id));
 * const changed = await disable(db, 'dev-client'); // 1
 * ```
 */
export function compiledCommand<A extends unknown[]>(build: (db: Database, ...args: A) => Compilable<unknown>): (db: Database, ...args: A) => Promise<number> {
  const run = compiled(build);
  return async (db, ...args) => Number((await run(db, args)).numAffectedRows ?? 0n);
}
