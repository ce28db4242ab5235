/** `db.execute()` returns rows differently per driver (postgres.js: an array; PGlite: `{ rows }`). */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}
