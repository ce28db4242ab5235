/**
 * The plpgsql/SQL functions live once, as source files (migrations/functions/<name>.sql, each the exact text of
 * pg_get_functiondef plus ";"). A migrated database must run exactly those bodies, and the newest migration that
 * (re)creates a function must carry its source verbatim — so a source edited without a migration, or a migration
 * edited without its source, fails here (docs/architecture-sql.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/migrate.ts";
import { resultRows } from "../../src/db/rows.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

const FUNCTIONS_DIR = path.join(MIGRATIONS_DIR, "functions");
const sources = new Map(
  readdirSync(FUNCTIONS_DIR)
    .filter((f) => f.endsWith(".sql"))
    .map((f) => [f.slice(0, -4), readFileSync(path.join(FUNCTIONS_DIR, f), "utf8")] as const),
);
const migrations = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort()
  .map((f) => ({ file: f, text: readFileSync(path.join(MIGRATIONS_DIR, f), "utf8") }));

let database: TestDatabase;
let defs: Map<string, string>;

beforeAll(async () => {
  database = await openTestDatabase();
  const rows = resultRows<{ name: string; def: string }>(
    await database.db.execute(sql`
      select p.proname as name, pg_get_functiondef(p.oid) as def from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname like 'cl\_%'`),
  );
  defs = new Map(rows.map((r) => [r.name, r.def]));
});
afterAll(async () => {
  await database?.close();
});

describe("SQL function sources", () => {
  it("every cl_* function in a migrated database has a source file, and every source file a function", () => {
    expect([...defs.keys()].sort()).toEqual([...sources.keys()].sort());
    expect(sources.size).toBeGreaterThanOrEqual(8);
  });

  it.each([...sources.keys()])("%s: the database runs the source file's text", (name) => {
    expect(defs.get(name)?.trimEnd() + ";\n").toBe(sources.get(name));
  });

  it.each([...sources.keys()])("%s: the newest migration creating it carries the source verbatim", (name) => {
    const pattern = new RegExp(`create or replace function (public\\.)?${name}\\(`, "i");
    const newest = migrations.filter((m) => pattern.test(m.text)).at(-1);
    expect(newest, `no migration creates ${name}`).toBeDefined();
    expect(
      newest!.text.includes(sources.get(name)!.trimEnd()),
      `${newest!.file} differs from functions/${name}.sql`,
    ).toBe(true);
  });
});
