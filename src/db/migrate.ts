/** Applies migrations/ at start (Node, CLI and tests). Serialised with an advisory lock on Postgres. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { Database } from "./types.ts";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

export async function migrateDatabase(database: Database, url?: string): Promise<void> {
  if (database.kind === "pglite") {
    await migratePglite(database.pglite, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  if (!url) throw new Error("migrating Postgres needs its URL");
  // A dedicated single connection holds the lock, so parallel starters (tests, replicas) migrate once.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(727274)`;
    await migratePostgres(drizzlePostgres(sql), { migrationsFolder: MIGRATIONS_DIR });
    await sql`select pg_advisory_unlock(727274)`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
