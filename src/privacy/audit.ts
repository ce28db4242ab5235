/**
 * The audit log of merchant and staff actions: who (an API key id, or the key a console session was opened with),
 * what (route pattern or named action), when, the path, and for settings the stored value before and after.
 * Read newest first, a page at a time, filtered by time range and action.
 */
import { and, desc, eq, gte, like, lt, type SQL } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import { auditLog } from "../audit/tables.ts";

export interface AuditQuery {
  from?: Date | undefined;
  to?: Date | undefined;
  /** Exact action, or a prefix ending in `*` (`POST /v1/members*`). */
  action?: string | undefined;
  limit: number;
  /** Cursor: the last id of the previous page. */
  before?: number | undefined;
}

export interface AuditView {
  id: string;
  actor: string;
  action: string;
  target: string;
  status: number;
  requestId: string | null;
  before: unknown;
  after: unknown;
  at: string;
}

export async function listAudit(
  db: Db,
  merchantId: string,
  q: AuditQuery,
): Promise<{ entries: AuditView[]; next: string | null }> {
  const conds: SQL[] = [eq(auditLog.merchantId, merchantId)];
  if (q.from) conds.push(gte(auditLog.createdAt, q.from));
  if (q.to) conds.push(lt(auditLog.createdAt, q.to));
  if (q.action) {
    conds.push(
      q.action.endsWith("*")
        ? like(auditLog.action, `${q.action.slice(0, -1).replace(/[\\%_]/g, "\\$&")}%`)
        : eq(auditLog.action, q.action),
    );
  }
  if (q.before !== undefined) conds.push(lt(auditLog.id, q.before));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.id))
    .limit(q.limit);
  return {
    entries: rows.map((r) => ({
      id: String(r.id),
      actor: r.actor,
      action: r.action,
      target: r.target,
      status: r.status,
      requestId: r.requestId,
      before: r.before ?? null,
      after: r.after ?? null,
      at: r.createdAt.toISOString(),
    })),
    next: rows.length === q.limit ? String(rows[rows.length - 1]!.id) : null,
  };
}
