/**
 * A fresh, migrated database per test file: in-memory PGlite, or a new database on the Postgres server.
 * Running every migration for each file costs 2–3 s (PGlite's initdb, Postgres' DDL), so the migrated state is built
 * once per migrations/ content and copied: a PGlite data-dir dump in the temp folder, a template database on Postgres.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { openPglite, wrapPglite } from "../../src/db/pglite.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { MIGRATIONS_DIR, migrateDatabase } from "../../src/db/migrate.ts";
import type { Database } from "../../src/db/types.ts";

export type TestDatabase = Database & {
  /** Set on Postgres: the URL of this file's own database. */
  url?: string;
};

export const testDbKind = (): "pglite" | "postgres" => (process.env.TEST_DB === "postgres" ? "postgres" : "pglite");

/** Changes whenever a migration (or its journal) changes, so a stale copy is never used. */
function migrationsHash(): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p.slice(MIGRATIONS_DIR.length)).update(readFileSync(p));
    }
  };
  walk(MIGRATIONS_DIR);
  return h.digest("hex").slice(0, 16);
}

const PGLITE_PACKAGE = path.join(MIGRATIONS_DIR, "../node_modules/@electric-sql/pglite/package.json");

/** The migrated PGlite data dir as a tarball, built by the first file that needs it (a race only builds it twice). */
async function pgliteSeed(): Promise<Blob> {
  const version = (JSON.parse(readFileSync(PGLITE_PACKAGE, "utf8")) as { version: string }).version;
  const file = path.join(tmpdir(), `cl-test-pglite-${version}-${migrationsHash()}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const d = await openPglite();
  await migrateDatabase(d);
  const dump = await d.client.dumpDataDir("none");
  await d.close();
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, file); // atomic: readers see a whole file or none
  return dump;
}

/** A migrated template database on the server, created once under an advisory lock (parallel files wait for it). */
async function postgresTemplate(admin: postgres.Sql, adminUrl: string): Promise<string> {
  const name = `cl_tmpl_${migrationsHash()}`;
  await admin`select pg_advisory_lock(727275)`;
  try {
    const [row] = await admin`select 1 from pg_database where datname = ${name}`;
    if (row) return name;
    const building = `${name}_build`;
    await admin.unsafe(`drop database if exists ${building} with (force)`);
    await admin.unsafe(`create database ${building}`);
    const u = new URL(adminUrl);
    u.pathname = `/${building}`;
    const d = openPostgres(u.toString(), { max: 2 });
    await migrateDatabase(d, u.toString());
    await d.close();
    await admin.unsafe(`alter database ${building} rename to ${name}`); // only a complete template gets the name
    // Templates of earlier migrations (a developer's machine) go; one still being copied from is left for later.
    for (const old of await admin`select datname from pg_database where datname like 'cl_tmpl_%' and datname <> ${name}`)
      await admin.unsafe(`drop database if exists ${old.datname}`).catch(() => {});
    return name;
  } finally {
    await admin`select pg_advisory_unlock(727275)`;
  }
}

export async function openTestDatabase(opts: { onStatement?: (query: string) => void } = {}): Promise<TestDatabase> {
  if (testDbKind() === "pglite") return wrapPglite(await PGlite.create({ loadDataDir: await pgliteSeed() }));
  const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `cl_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${await postgresTemplate(admin, adminUrl)}`);
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
