import { eq } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { programs } from "../db/schema.ts";
import { DEFAULT_PROGRAM, ProgramSchema, type Program } from "./config.ts";

/** The stored program, read from the database (use `getProgram`, which caches, on hot paths). */
export async function loadProgram(db: Db, merchantId: string): Promise<Program> {
  const rows = await db
    .select({ config: programs.config })
    .from(programs)
    .where(eq(programs.merchantId, merchantId))
    .limit(1);
  const stored = rows[0]?.config;
  if (!stored) return DEFAULT_PROGRAM;
  // Stored configs were validated on write; parsing again applies defaults of fields added since.
  const parsed = ProgramSchema.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_PROGRAM;
}

/**
 * Programs change rarely and are read on every order: a short per-process cache. PUT /v1/program clears this
 * process's entry at once; other processes (replicas, the CLI) see a change within PROGRAM_CACHE_MS.
 */
const PROGRAM_CACHE_MS = 5_000;
const programCache = new Map<string, { program: Program; at: number }>();

export async function getProgram(db: Db, merchantId: string): Promise<Program> {
  const hit = programCache.get(merchantId);
  if (hit && Date.now() - hit.at < PROGRAM_CACHE_MS) return hit.program;
  const program = await loadProgram(db, merchantId);
  if (programCache.size > 10_000) programCache.clear();
  programCache.set(merchantId, { program, at: Date.now() });
  return program;
}

/** Same as getProgram (which caches); the name some modules use. */
export const getProgramCached = getProgram;

export async function putProgram(db: Db, merchantId: string, program: Program, now: Date): Promise<Program> {
  await db
    .insert(programs)
    .values({ merchantId, config: program, updatedAt: now })
    .onConflictDoUpdate({ target: programs.merchantId, set: { config: program, updatedAt: now } });
  programCache.delete(merchantId);
  return program;
}
