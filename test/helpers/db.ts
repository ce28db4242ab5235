/** A fresh, migrated database per test file: in-memory PGlite, or a new database on the Postgres server. */
import postgres from "postgres";
import { openPglite } from "../../src/db/pglite.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import type { Database } from "../../src/db/types.ts";

export type TestDatabase = Database & {
  /** Set on Postgres: the URL of this file's own database. */
  url?: string;
};

export const testDbKind = (): "pglite" | "postgres" => (process.env.TEST_DB === "postgres" ? "postgres" : "pglite");

export async function openTestDatabase(opts: { onStatement?: (query: string) => void } = {}): Promise<TestDatabase> {
  if (testDbKind() === "pglite") {
    const d = await openPglite();
    await migrateDatabase(d);
    return d;
  }
  const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `cl_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    await admin.end();
    throw new Error(
      `cannot create a test database on ${adminUrl.replace(/:[^:@/]*@/, ":***@")}: ${(err as Error).message}. Is Postgres running?`,
    );
  }
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const d = openPostgres(url, { max: 20, ...(opts.onStatement ? { onStatement: opts.onStatement } : {}) });
  await migrateDatabase(d, url);
  return {
    ...d,
    url,
    close: async () => {
      await d.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
