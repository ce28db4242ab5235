/**
 * "The database is not there right now" vs. a real error. Connection-level failures of postgres.js (and the
 * Postgres codes a server sends while it shuts down, restarts or sheds load) are mapped to 503 + Retry-After by
 * the HTTP layer; everything else stays a 500.
 */

/** postgres.js and Node socket error codes that mean the connection, not the statement, failed. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * SQLSTATEs: admin/crash shutdown, cannot connect now (starting up), query cancelled (our statement_timeout),
 * too many connections, and class 08 (connection exceptions).
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "57014", "53300"]);

/** The postgres.js 3.4.x bug (connection.js nextWrite after the socket was dropped); see src/process-guards.ts. */
export function isDriverSocketBug(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  if (!/Cannot read properties of null \(reading 'write'\)/.test(err.message)) return false;
  return /[\\/]postgres[\\/](cjs[\\/]|cf[\\/])?src[\\/]connection\.js/.test(err.stack ?? "");
}

export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (isDriverSocketBug(e)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
