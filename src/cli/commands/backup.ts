import { parseArgs, requiredFlag, UsageError, type Command } from "../command.ts";
import { createProgress } from "../progress.ts";

const backupHelp = `Usage: npm run cli -- backup --output <file> [--no-verify] [--json]

Backs up the database the server uses and verifies the copy.
  - DATABASE_URL set: pg_dump (custom format, needs pg_dump on PATH — it comes with the Postgres client) inside a
    read-only snapshot; the server keeps running. Verify restores the file into a scratch database on the same
    server (the user needs CREATEDB), compares and drops it.
  - Otherwise the embedded database in DATA_DIR: its data-directory dump (gzipped tar). A running server lends the
    directory for the moment of the dump. Verify loads the dump into an in-memory database and compares.
Both write <file>.manifest.json next to the backup: the row counts of the ledger tables (members, orders, lines,
refunds, ledger entries, lots, credit, redemptions, subscriptions, idempotency keys, consents, audit log) and
Σ points / Σ credit at the moment of the backup. Verify (and restore) compare a copy with these figures.

Options:
  --output <file>   where to write the backup (required; the manifest goes to <file>.manifest.json)
  --no-verify       skip the verify step
  --json            print one JSON line: {"file", "kind", "stats", "verified"}

Exit status: 0 backed up (and verified), 1 the backup or its verification failed, 2 bad usage.

Examples:
  npm run cli -- backup --output backups/2026-12-05.dump
  DATABASE_URL=postgres://app@db/chatloyalty npm run cli -- backup --output /var/backups/cl.dump --json`;

const restoreHelp = `Usage: npm run cli -- restore --input <file> [--clean] [--json]

Restores a backup made by \`backup\` into the configured database (DATABASE_URL, else DATA_DIR) and checks the
restored row counts and sums against the backup's manifest. Stop the server first.
  - Postgres: pg_restore into DATABASE_URL. A database that already has tables is refused unless --clean (which
    drops and recreates the objects the backup contains).
  - Embedded: DATA_DIR must not hold a database, unless --clean, which moves the old one aside to
    <DATA_DIR>.before-restore-<time> (never deleted).

Options:
  --input <file>    the backup file (its <file>.manifest.json must be next to it)
  --clean           replace an existing database (see above)
  --json            print one JSON line: {"kind", "stats", "verified", "movedAside"?}

Exit status: 0 restored and matching, 1 failed or the restored figures differ, 2 bad usage.`;

function summary(label: string, diff: string[]): string {
  return diff.length === 0 ? `${label}: ok (row counts and sums match)` : `${label}: MISMATCH\n  ${diff.join("\n  ")}`;
}

export const backupCommand: Command = {
  path: ["backup"],
  summary: "Back up the database (pg_dump or the embedded data dir) and verify the copy",
  help: backupHelp,
  async run(args) {
    const p = parseArgs(args, { output: true, "no-verify": false, json: false });
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const file = requiredFlag(p, "output");
    const verify = !p.flags.has("no-verify");
    const { loadConfig } = await import("../../config.ts");
    const b = await import("../backup.ts");
    const config = loadConfig(process.env);
    const progress = createProgress({ label: "backup", unit: "steps" });
    const now = new Date();
    let manifest: Awaited<ReturnType<typeof b.backupPostgres>>;
    let diff: string[] | undefined;
    if (config.DATABASE_URL) {
      manifest = await b.backupPostgres(config.DATABASE_URL, file, progress, now);
      progress.finish();
      if (verify) {
        const vp = createProgress({ label: "verify", unit: "tables" });
        diff = await b.verifyPostgres(config.DATABASE_URL, file, manifest, vp);
        vp.finish();
      }
    } else {
      const { openDatabase } = await import("../../db/open.ts");
      const { PGlite } = await import("@electric-sql/pglite");
      const database = await openDatabase({ dataDir: config.DATA_DIR, migrate: false });
      try {
        const client = "client" in database ? database.client : undefined;
        if (!(client instanceof PGlite)) throw new Error("the embedded database could not be opened for a dump");
        manifest = await b.backupPglite(client, file, progress, now);
      } finally {
        await database.close();
      }
      progress.finish();
      if (verify) diff = await b.verifyPglite(file, manifest);
    }
    if (p.flags.has("json")) {
      const out = {
        file,
        kind: manifest.kind,
        stats: manifest.stats,
        verified: diff === undefined ? null : diff.length === 0,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      process.stdout.write(`Backup (${manifest.kind}) written to ${file}; manifest ${b.manifestPath(file)}\n`);
      if (diff) process.stdout.write(`${summary("verify", diff)}\n`);
    }
    return diff && diff.length > 0 ? 1 : 0;
  },
};

export const restoreCommand: Command = {
  path: ["restore"],
  summary: "Restore a backup into the configured database and check it against the backup's manifest",
  help: restoreHelp,
  async run(args) {
    const p = parseArgs(args, { input: true, clean: false, json: false });
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const file = requiredFlag(p, "input");
    const { existsSync } = await import("node:fs");
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const { loadConfig } = await import("../../config.ts");
    const b = await import("../backup.ts");
    const config = loadConfig(process.env);
    const manifest = b.readManifest(file);
    const target = config.DATABASE_URL ? "postgres" : "pglite";
    if (manifest.kind !== target) {
      throw new UsageError(`the backup is a ${manifest.kind} backup but the configured database is ${target}`);
    }
    const clean = p.flags.has("clean");
    const progress = createProgress({ label: "restore", unit: "tables" });
    let stats: Record<string, string>;
    let movedAside: string | undefined;
    if (config.DATABASE_URL) {
      stats = await b.restorePostgres(config.DATABASE_URL, file, progress, clean);
    } else {
      const { liveLock } = await import("../../db/data-dir-lock.ts");
      if (liveLock(config.DATA_DIR))
        throw new Error(`a running process holds ${config.DATA_DIR}: stop the server first`);
      ({ stats, movedAside } = await b.restorePglite(config.DATA_DIR, file, clean, new Date()));
    }
    progress.finish();
    const diff = b.compareStats(manifest.stats, stats);
    if (p.flags.has("json")) {
      process.stdout.write(
        `${JSON.stringify({ kind: target, stats, verified: diff.length === 0, ...(movedAside ? { movedAside } : {}) })}\n`,
      );
    } else {
      if (movedAside) process.stdout.write(`The previous database was moved to ${movedAside}\n`);
      process.stdout.write(`${summary("restore", diff)}\n`);
    }
    return diff.length > 0 ? 1 : 0;
  },
};
