import { eq } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { programs } from "../db/schema.ts";
import { DEFAULT_PROGRAM, ProgramSchema, type Program } from "./config.ts";

export async function getProgram(db: Db, merchantId: string): Promise<Program> {
  const rows = await db.select({ config: programs.config }).from(programs).where(eq(programs.merchantId, merchantId)).limit(1);
  const stored = rows[0]?.config;
  if (!stored) return DEFAULT_PROGRAM;
  // Stored configs were validated on write; parsing again applies defaults of fields added since.
  const parsed = ProgramSchema.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_PROGRAM;
}

export async function putProgram(db: Db, merchantId: string, program: Program, now: Date): Promise<Program> {
  await db
    .insert(programs)
    .values({ merchantId, config: program as unknown as Record<string, unknown>, updatedAt: now })
    .onConflictDoUpdate({ target: programs.merchantId, set: { config: program as unknown as Record<string, unknown>, updatedAt: now } });
  return program;
}
