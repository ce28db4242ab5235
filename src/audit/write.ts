/**
 * Writing an audit-log entry: who (an API key id, or the key a console session was opened with), what (route
 * pattern or named action), the path, the status, and for settings the stored value before and after. Used by the
 * audit middleware (src/privacy/routes.ts) and by features that audit their reads (segment exports); reading is
 * src/privacy/audit.ts.
 */
import type { Db } from "../db/types.ts";
import { auditLog } from "./tables.ts";

export interface AuditEntry {
  merchantId: string;
  actor: string;
  action: string;
  target: string;
  status: number;
  requestId?: string | undefined;
  before?: unknown;
  after?: unknown;
}

/** Who made a request and what it was: the entry's fields a handler knows before it runs. */
export type AuditStamp = Pick<AuditEntry, "actor" | "action" | "target" | "requestId">;

export async function writeAudit(db: Db, e: AuditEntry, now: Date): Promise<void> {
  // The entry as given; what it leaves out is stored as NULL.
  await db.insert(auditLog).values({
    ...e,
    requestId: e.requestId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    createdAt: now,
  });
}
