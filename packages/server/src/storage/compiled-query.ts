/**
 * Hot queries compiled once per database and run with new values each time.
 *
 * Kysely builds a query as an immutable tree (frozen at every step) and compiles it to SQL on
 * every call. For the lookups made on every request (client, access-token state, refresh
 * token), building and compiling cost as much as SQLite running the query, and made most of
 * the garbage of those requests (`npm run bench -- --cpu-prof`). Here the query is built once
 * with placeholders where the values go, compiled, and each call swaps the values in.
 */
import type { CompiledQuery, Compilable } from 'kysely';
import type { Database } from './schema.js';

/** Stands in for the value of argument `index` while the query is compiled. */
class Placeholder {
  constructor(readonly index: number) {}
}

/**
 * Wrap `build` (a query over its arguments) into a function running the compiled query:
 * built and compiled on the first call per database, then executed with the call's values.
 * Every argument must reach the query as a value (not shape it: no conditional clauses).
 *
 * @example
 * ```ts
 * const byId = compiledQuery((db, id: string) => db.selectFrom('clients').selectAll().where('id', '=', id));
 * const rows = await byId(db, 'dev-client');
 * ```
 */
export function compiledQuery<A extends unknown[], R>(build: (db: Database, ...args: A) => Compilable<R>): (db: Database, ...args: A) => Promise<R[]> {
  const compiledFor = new WeakMap<Database, CompiledQuery<R>>();
  return async (db, ...args) => {
    let compiled = compiledFor.get(db);
    if (compiled === undefined) {
      const placeholders = args.map((_, i) => new Placeholder(i)) as A;
      compiled = build(db, ...placeholders).compile();
      const used = new Set(compiled.parameters.filter((p) => p instanceof Placeholder).map((p) => (p as Placeholder).index));
      if (used.size !== args.length) throw new TypeError('compiledQuery: every argument must be a value of the query');
      compiledFor.set(db, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Placeholder ? args[p.index] : p));
    const result = await db.executeQuery<R>({ ...compiled, parameters });
    return result.rows;
  };
}
