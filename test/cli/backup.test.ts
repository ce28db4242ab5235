/**
 * `backup` / `restore` end to end (the real CLI as a child process) on both databases: the verify step, a restore
 * into an empty target with the same ledger figures, refusal of a non-empty target without --clean, and a restore
 * whose figures differ from the manifest failing with exit 1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openDatabase } from "../../src/db/open.ts";
import type { Db } from "../../src/db/types.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember } from "../../src/members/service.ts";
import { adjust } from "../../src/rewards/service.ts";
import { recordConsent } from "../../src/members/consent.ts";
import { runCli } from "../helpers/cli.ts";

const SLOW = 900_000;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-backup-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A merchant with 3 members, 60 points in total and a consent event; returns Σ points. */
async function seed(db: Db): Promise<number> {
  const now = new Date();
  const { merchantId } = await createMerchant(db, { name: "Backup shop" });
  for (let i = 0; i < 3; i++) {
    const m = await createMember(db, merchantId, { phone: `091200030${i}`, name: `Member ${i}` }, now);
    await adjust(db, merchantId, m.id, 10 * (i + 1), "seed", now);
    if (i === 0) {
      await recordConsent(
        db,
        merchantId,
        m.id,
        { purpose: "marketing", granted: true, channel: "api", wording: "ok" },
        now,
      );
    }
  }
  return 60;
}

function lastJson(stdout: string) {
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe("backup and restore: embedded database (DATA_DIR)", () => {
  it(
    "backs up with verify, restores into an empty DATA_DIR, refuses a non-empty one, detects a mismatch",
    async () => {
      const data = path.join(dir, "data");
      const d = await openDatabase({ dataDir: data });
      await seed(d.db);
      await d.close();
      const file = path.join(dir, "embedded.tar.gz");
      const env = { DATA_DIR: data, DATABASE_URL: "" };
      const b = await runCli(["backup", "--output", file, "--json"], env);
      expect(b.stderr).not.toMatch(/error/);
      expect(b.code).toBe(0);
      const out = lastJson(b.stdout);
      expect(out).toMatchObject({ kind: "pglite", verified: true });
      expect(out.stats).toMatchObject({
        members: "3",
        ledger_entries: "3",
        consent_events: "1",
        "sum(ledger_entries.points)": "60",
      });

      const target = path.join(dir, "restored");
      const r = await runCli(["restore", "--input", file, "--json"], { DATA_DIR: target, DATABASE_URL: "" });
      expect(r.code).toBe(0);
      expect(lastJson(r.stdout)).toMatchObject({ kind: "pglite", verified: true, stats: out.stats });

      const again = await runCli(["restore", "--input", file], { DATA_DIR: target, DATABASE_URL: "" });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already holds a database/);

      // A manifest that disagrees with the file (as a truncated or wrong backup would): exit 1, the difference named.
      const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, "utf8"));
      manifest.stats.members = "4";
      writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
      const bad = await runCli(["restore", "--input", file, "--clean"], { DATA_DIR: target, DATABASE_URL: "" });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/MISMATCH[\s\S]*members: 4 → 3/);
      expect(bad.stdout).toMatch(/moved to .*restored\.before-restore-/);

      const help = await runCli(["backup", "--help"], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Usage: npm run cli -- backup --output <file>/);
      expect((await runCli(["backup"], env)).code).toBe(2);
    },
    SLOW,
  );
});

describe("backup and restore: Postgres (DATABASE_URL)", () => {
  const adminUrl = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const names: string[] = [];
  const dbUrl = (name: string) => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  async function createDb(): Promise<string> {
    const name = `cl_bk_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await sql.unsafe(`create database ${name}`);
    await sql.end();
    names.push(name);
    return name;
  }
  afterAll(async () => {
    const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
    for (const n of names) await sql.unsafe(`drop database if exists ${n} with (force)`);
    await sql.end();
  });

  it(
    "pg_dump in a snapshot with verify in a scratch database; pg_restore into an empty database; --clean",
    async () => {
      const source = dbUrl(await createDb());
      const d = await openDatabase({ dataDir: dir, databaseUrl: source });
      await seed(d.db);
      await d.close();
      const file = path.join(dir, "pg.dump");
      const b = await runCli(["backup", "--output", file, "--json"], { DATABASE_URL: source });
      expect(b.code).toBe(0);
      const out = lastJson(b.stdout);
      expect(out).toMatchObject({ kind: "postgres", verified: true });
      expect(out.stats).toMatchObject({ members: "3", "sum(ledger_entries.points)": "60" });
      expect(b.stdout + b.stderr).not.toContain("postgres://");

      const target = dbUrl(await createDb());
      const r = await runCli(["restore", "--input", file, "--json"], { DATABASE_URL: target });
      expect(r.code).toBe(0);
      expect(lastJson(r.stdout)).toMatchObject({ verified: true, stats: out.stats });
      const again = await runCli(["restore", "--input", file], { DATABASE_URL: target });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already has \d+ tables/);
      const clean = await runCli(["restore", "--input", file, "--clean", "--json"], { DATABASE_URL: target });
      expect(clean.code).toBe(0);
      expect(lastJson(clean.stdout).verified).toBe(true);
      // A PGlite backup is not restored into Postgres.
      const wrong = await runCli(["restore", "--input", path.join(dir, "embedded.tar.gz")], { DATABASE_URL: target });
      expect(wrong.code).toBe(2);
    },
    SLOW,
  );
});
