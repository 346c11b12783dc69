/**
 * Which database errors mean "the database is not there right now" rather than "this
 * request is wrong" or "this code is wrong". Those are answered 503
 * `temporarily_unavailable` (retry later) instead of 500, and the service recovers by
 * itself once the database is back: the pool opens new connections on the next query.
 */

/** Socket-level failures: the server is down, restarting, or unreachable. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs of an unavailable server: class 08 (connection exception), 57P01-03
 * (shut down by an administrator, crash, cannot connect now) and 53300 (too many connections).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** Messages of node-postgres for a connection lost or never made (it gives them no code). */
const PG_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error/];

/**
 * `true` when `err` (or an error it wraps) says the database cannot be reached now:
 * refused or lost connections, a server shutting down, a full server, or SQLite's lock
 * still held by another process after the busy timeout.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let current = err, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableSqlState(code) || code === 'SQLITE_BUSY')) return true;
    if (typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // AggregateError (several addresses refused) and wrapped causes.
    const { errors, cause } = current as { errors?: unknown; cause?: unknown };
    if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e))) return true;
    current = cause;
  }
  return false;
}
