/**
 * Which database errors pass by themselves (the server is restarting, the network dropped, the pool is
 * exhausted, a serialisation conflict): the work is retried later, not reported to the person as a bug.
 */

/** SQLSTATE classes and codes that mean "try again", not "this input is wrong". */
const TRANSIENT_SQLSTATE = /^(08|53|57P0|58)|^(40001|40P01|55P03|57014)$/;
/** Node socket errors and the pool's and drivers' own messages when no connection could be had. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TRANSIENT_MESSAGE = /Timeout acquiring a connection|Connection terminated|connection.*(closed|ended|terminated)|Client has encountered a connection error|the database system is (starting up|shutting down)|terminating connection|not queryable/i;

/** True when `err` (or an error it wraps) is a database or network failure that may succeed on a retry. */
export function isTransientDatabaseError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (TRANSIENT_CODES.has(e.code) || (e.code.length === 5 && TRANSIENT_SQLSTATE.test(e.code)))) return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isTransientDatabaseError(x, depth + 1))) return true;
  return isTransientDatabaseError(e.cause, depth + 1);
}
