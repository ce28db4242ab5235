/**
 * Backups of either database, with a verify step.
 *  - Postgres (DATABASE_URL): `pg_dump --format=custom` inside an exported snapshot, so the row counts written to
 *    the manifest are exactly the dump's; verify restores the file into a scratch database on the same server
 *    (`pg_restore`), compares the counts and drops it.
 *  - PGlite (DATA_DIR): the data directory's own dump (`dumpDataDir`, a gzipped tar); verify loads it into an
 *    in-memory PGlite and compares.
 * Restore loads a backup into an empty target (or, with `clean`, replaces it) and checks the counts against the
 * manifest written next to the backup (`<file>.manifest.json`).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { writeFile, readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { Progress } from "./progress.ts";

/** Tables whose rows the ledger's integrity rests on (and the personal-data records), compared by count. */
export const VERIFIED_TABLES = [
  "merchants",
  "members",
  "orders",
  "order_items",
  "refunds",
  "ledger_entries",
  "point_lots",
  "credit_entries",
  "redemptions",
  "subscriptions",
  "idempotency_keys",
  "consent_events",
  "audit_log",
] as const;

/** Row counts per table plus Σ points and Σ credit (as strings: bigint sums). */
export type Stats = Record<string, string>;

export interface Manifest {
  format: "chatloyalty-backup/1";
  kind: "postgres" | "pglite";
  createdAt: string;
  stats: Stats;
}

const STATS_SQL = `select json_build_object(${VERIFIED_TABLES.map((t) => `'${t}', (select count(*) from ${t})::text`).join(", ")},
  'sum(ledger_entries.points)', (select coalesce(sum(points), 0) from ledger_entries)::text,
  'sum(credit_entries.amount)', (select coalesce(sum(amount), 0) from credit_entries)::text) as stats`;

export const manifestPath = (file: string) => `${file}.manifest.json`;

export function readManifest(file: string): Manifest {
  const path = manifestPath(file);
  if (!existsSync(path)) throw new Error(`no manifest next to the backup (${path})`);
  return JSON.parse(readFileSync(path, "utf8")) as Manifest;
}

/** The tables whose figures differ, as "table: expected → got" lines (empty when the copy matches). */
export function compareStats(expected: Stats, got: Stats): string[] {
  return Object.keys(expected)
    .filter((k) => expected[k] !== got[k])
    .map((k) => `${k}: ${expected[k]} → ${got[k] ?? "missing"}`);
}

function parseStats(v: unknown): Stats {
  return typeof v === "string" ? (JSON.parse(v) as Stats) : (v as Stats);
}

// ---- Postgres ----

/** Runs a Postgres client tool; `onLine` sees each stderr line (verbose progress). Rejects with its last lines. */
function runTool(cmd: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    const tail: string[] = [];
    let buf = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) {
        onLine(l);
        tail.push(l);
        if (tail.length > 5) tail.shift();
      }
    });
    child.on("error", (err) => reject(new Error(`${cmd} could not run: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${cmd} exited with ${code}: ${tail
              .filter(
                (l) =>
                  !/^\S+: (dumping|processing|creating|restoring|reading|identifying|finding|flagging|saving|executing|last built-in|launching)/.test(
                    l,
                  ),
              )
              .join(" | ")
              .replace(/postgres(ql)?:\/\/[^\s]*/g, "<url>")}`,
          ),
        );
    });
  });
}

async function tableCount(sql: postgres.Sql | postgres.ReservedSql): Promise<number> {
  const [r] = await sql<
    { n: number }[]
  >`select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;
  return r?.n ?? 0;
}

/** `pg_dump` of `url` into `file` (custom format) and its manifest; the counts come from the dump's own snapshot. */
export async function backupPostgres(url: string, file: string, progress: Progress, now: Date): Promise<Manifest> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tx = await sql.reserve();
    try {
      await tx`begin isolation level repeatable read read only`;
      const [snap] = await tx<{ id: string }[]>`select pg_export_snapshot() as id`;
      const [row] = await tx.unsafe<{ stats: unknown }[]>(STATS_SQL);
      const stats = parseStats(row!.stats);
      const total = await tableCount(tx);
      let done = 0;
      progress.update(0, total, "dumping");
      await runTool(
        "pg_dump",
        ["--format=custom", "--verbose", `--snapshot=${snap!.id}`, `--file=${file}`, url],
        (l) => {
          if (/dumping contents of table/.test(l)) progress.update(++done, total, "dumping");
        },
      );
      await tx`commit`;
      const manifest: Manifest = {
        format: "chatloyalty-backup/1",
        kind: "postgres",
        createdAt: now.toISOString(),
        stats,
      };
      writeFileSync(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    } finally {
      tx.release();
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function pgStats(url: string): Promise<Stats> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql.unsafe<{ stats: unknown }[]>(STATS_SQL);
    return parseStats(row!.stats);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** How many tables' data the archive holds (its table of contents), for the progress bar. */
async function dataEntries(file: string): Promise<number> {
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("pg_restore", ["--list", file], { stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      n += chunk.split("\n").filter((l) => / TABLE DATA /.test(l)).length;
    });
    child.on("error", reject);
    child.on("close", () => resolve());
  });
  return n;
}

/** `pg_restore` of `file` into `url`; `clean` drops the objects the backup holds first. */
export async function restorePostgres(url: string, file: string, progress: Progress, clean: boolean): Promise<Stats> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let tables: number;
  try {
    tables = await tableCount(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
  if (tables > 0 && !clean)
    throw new Error(`the target database already has ${tables} tables (use --clean to replace them)`);
  const total = await dataEntries(file);
  let done = 0;
  progress.update(0, total, "restoring");
  const args = ["--verbose", "--no-owner", "--no-privileges", "--exit-on-error", `--dbname=${url}`];
  if (clean) args.push("--clean", "--if-exists");
  await runTool("pg_restore", [...args, file], (l) => {
    if (/processing data for table/.test(l)) progress.update(Math.min(++done, total), total, "restoring");
  });
  return pgStats(url);
}

/** Restores into a scratch database on the same server, compares with the manifest, drops it. */
export async function verifyPostgres(
  url: string,
  file: string,
  manifest: Manifest,
  progress: Progress,
): Promise<string[]> {
  const name = `cl_verify_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}`);
    const scratch = new URL(url);
    scratch.pathname = `/${name}`;
    try {
      return compareStats(manifest.stats, await restorePostgres(scratch.toString(), file, progress, false));
    } finally {
      await sql.unsafe(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// ---- PGlite ----

async function pgliteStats(pg: PGlite): Promise<Stats> {
  const r = await pg.query<{ stats: unknown }>(STATS_SQL);
  return parseStats(r.rows[0]!.stats);
}

/** Dumps an open PGlite (its data directory as a gzipped tar) into `file`, with the manifest. */
export async function backupPglite(pg: PGlite, file: string, progress: Progress, now: Date): Promise<Manifest> {
  progress.update(0, 3, "counting");
  const stats = await pgliteStats(pg);
  progress.update(1, 3, "dumping");
  const blob = await pg.dumpDataDir("gzip");
  progress.update(2, 3, "writing");
  await writeFile(file, new Uint8Array(await blob.arrayBuffer()));
  progress.update(3, 3);
  const manifest: Manifest = { format: "chatloyalty-backup/1", kind: "pglite", createdAt: now.toISOString(), stats };
  writeFileSync(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function loadDump(file: string, dataDir?: string): Promise<PGlite> {
  const loadDataDir = new Blob([new Uint8Array(await readFile(file))]);
  return PGlite.create(dataDir ? { dataDir, loadDataDir } : { loadDataDir });
}

/** Loads the dump into an in-memory PGlite and compares with the manifest. */
export async function verifyPglite(file: string, manifest: Manifest): Promise<string[]> {
  const pg = await loadDump(file);
  try {
    return compareStats(manifest.stats, await pgliteStats(pg));
  } finally {
    await pg.close();
  }
}

/**
 * Restores a PGlite dump into `dataDir`. A directory that already holds a database is refused unless `clean`,
 * which moves it aside to `<dataDir>.before-restore-<time>` (never deleted by us).
 */
export async function restorePglite(
  dataDir: string,
  file: string,
  clean: boolean,
  now: Date,
): Promise<{ stats: Stats; movedAside?: string }> {
  let movedAside: string | undefined;
  if (existsSync(dataDir) && readdirSync(dataDir).some((f) => f === "PG_VERSION")) {
    if (!clean) throw new Error(`${dataDir} already holds a database (use --clean to move it aside and restore)`);
    movedAside = `${dataDir.replace(/\/+$/, "")}.before-restore-${now.toISOString().replace(/[:.]/g, "-")}`;
    renameSync(dataDir, movedAside);
  }
  const pg = await loadDump(file, dataDir);
  try {
    return { stats: await pgliteStats(pg), ...(movedAside ? { movedAside } : {}) };
  } finally {
    await pg.close();
  }
}
