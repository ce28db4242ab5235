/**
 * Next to a running server on the embedded database (DATA_DIR), CLI commands ask that server to do the work over the
 * loopback control channel (the port and token in DATA_DIR's lock file) instead of borrowing its database, so the
 * server never pauses. With DATABASE_URL, or no server running, they open the database themselves.
 */
import { UsageError } from "./command.ts";
import { createProgress, type Progress } from "./progress.ts";
import type { Db } from "../db/types.ts";
import type { WorkProgress } from "../runtime/cli-work.ts";

async function where() {
  // Loaded on use: `--help` needs neither the drivers nor the schema.
  const { loadConfig } = await import("../config.ts");
  const config = loadConfig(process.env);
  return { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR };
}

/** Runs a short control operation in the server holding DATA_DIR, else on a database opened here. */
export async function op<T>(name: string, input: unknown): Promise<T> {
  const { runInHolder } = await import("../db/open.ts");
  const remote = await runInHolder(await where(), name, input);
  if (remote) return remote.result as T;
  const { controlOps } = await import("../runtime/local-control.ts");
  return withDatabase(async (db) => (await controlOps[name]!(db, input, new Date())) as T);
}

async function withDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const { openCliDatabase } = await import("./db.ts");
  const database = await openCliDatabase();
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

/** Draws `WorkProgress` snapshots: one bar per label, shown once the work has run ~1 s. */
export function progressDrawer(): { draw(p: WorkProgress): void; finish(): void } {
  const started = Date.now();
  let bar: Progress | undefined;
  let label: string | undefined;
  return {
    draw(p) {
      if (p.label !== label) {
        bar?.finish();
        label = p.label;
        bar = createProgress({
          label: p.label,
          total: p.total,
          unit: p.unit,
          delayMs: Math.max(0, 1000 - (Date.now() - started)),
        });
      }
      bar!.update(p.done, p.total, p.note);
    },
    finish: () => bar?.finish(),
  };
}

/**
 * Long work (`orders import`, `recs build`): started as a job in the server holding DATA_DIR and followed until it
 * ends, else run here by `local` on a database opened here. Bad input either way → UsageError (exit 2).
 */
export async function runWork<T>(
  name: string,
  input: unknown,
  local: (db: Db, progress: (p: WorkProgress) => void) => Promise<T>,
): Promise<T> {
  const drawer = progressDrawer();
  const { WorkInputError } = await import("../runtime/cli-work.ts");
  try {
    const { runInHolder } = await import("../db/open.ts");
    const at = await where();
    const started = await runInHolder(at, name, input);
    if (!started) return await withDatabase((db) => local(db, drawer.draw));
    const { jobId } = started.result as { jobId: string };
    for (;;) {
      const job = (await runInHolder(at, "jobs.get", { jobId }))!.result as {
        status: "running" | "done" | "failed";
        progress?: WorkProgress;
        result?: T;
        error?: { message: string; usage: boolean };
      };
      if (job.progress) drawer.draw(job.progress);
      if (job.status === "done") return job.result as T;
      if (job.status === "failed") {
        if (job.error?.usage) throw new UsageError(job.error.message);
        throw new Error(job.error?.message ?? "the server's job failed");
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    if (err instanceof WorkInputError) throw new UsageError(err.message);
    throw err;
  } finally {
    drawer.finish();
  }
}
