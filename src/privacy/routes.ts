/**
 * /v1 personal-data routes: a member's consents (read, record), export and erasure, the audit log, and the
 * retention settings with their purge job.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody, parseQuery } from "../http/validate.ts";
import { requireMember } from "../members/service.ts";
import { dateTimeInRange, int8, text } from "../lib/validate.ts";
import { listAudit, writeAudit } from "./audit.ts";
import { consentHistory, currentConsent, recordConsent } from "../members/consent.ts";
import { eraseMember, exportMember } from "./member-data.ts";
import { getPrivacySettings, PrivacySettingsSchema, purgeExpired, putPrivacySettings } from "./retention.ts";

export const privacyRoutes = new Hono<AppEnv>();

const ConsentEvent = z.object({
  id: z.string(),
  purpose: z.enum(["loyalty_terms", "marketing"]),
  granted: z.boolean(),
  channel: z.string(),
  wording: z.string(),
  language: z.string().nullable(),
  actor: z
    .string()
    .nullable()
    .describe("The API key (key:<id>) or console session that recorded it; null: the member in chat"),
  at: z.string(),
});
const ConsentsView = z.object({
  current: z.object({
    marketing: z.boolean().describe("The member's optedIn: what campaigns, journeys and segments use"),
    loyaltyTerms: z.boolean().nullable().describe("The latest loyalty-terms event; null when never recorded"),
  }),
  events: z.array(ConsentEvent).describe("Newest first"),
});
const RecordConsent = z.object({
  purpose: z.enum(["loyalty_terms", "marketing"]),
  granted: z.boolean(),
  channel: z.enum(["api", "pos", "console", "web", "telegram", "zalo", "paper"]).default("api"),
  wording: text(2000).trim().min(1).describe("The exact text the member was shown and agreed to (or refused)"),
  language: z.enum(["vi", "en"]).optional(),
});

doc({
  method: "get",
  path: "/v1/members/{id}/consents",
  tag: "Personal data",
  summary: "The member's consent records (purpose, channel, time, wording shown) and current state",
  responses: { 200: { description: "Consents", schema: ConsentsView }, 404: { description: "No such member" } },
});
privacyRoutes.get("/members/:id/consents", async (c) => {
  const db = c.get("db");
  const merchantId = c.get("merchantId");
  const m = await requireMember(db, merchantId, c.req.param("id"));
  const events = await consentHistory(db, merchantId, m.id);
  return c.json({ current: currentConsent(m.optedIn, events), events });
});

doc({
  method: "post",
  path: "/v1/members/{id}/consents",
  tag: "Personal data",
  summary: "Record a consent given or withdrawn (e.g. at the till); marketing also sets the member's optedIn",
  description:
    "Marketing consent and the loyalty terms are separate purposes. The event stores the wording, channel, time and the API key that recorded it; `optedIn` (which campaigns read) changes in the same transaction.",
  body: RecordConsent,
  responses: {
    201: { description: "The consents after the change", schema: ConsentsView },
    404: { description: "No such member" },
  },
});
privacyRoutes.post("/members/:id/consents", async (c) => {
  const input = await parseBody(c, RecordConsent);
  const db = c.get("db");
  const merchantId = c.get("merchantId");
  const m = await requireMember(db, merchantId, c.req.param("id"));
  const now = c.get("deps").clock.now();
  await recordConsent(db, merchantId, m.id, { ...input, actor: c.get("actor") }, now);
  const events = await consentHistory(db, merchantId, m.id);
  const after = await requireMember(db, merchantId, m.id);
  return c.json({ current: currentConsent(after.optedIn, events), events }, 201);
});

const Rows = z.array(z.record(z.string(), z.unknown()));
const ExportSchema = z.object({
  exportedAt: z.string(),
  member: z.record(z.string(), z.unknown()).describe("The profile as stored"),
  chats: Rows,
  chatSettings: Rows,
  orders: Rows,
  orderItems: Rows,
  refunds: Rows,
  ledger: Rows,
  lots: Rows,
  credit: Rows,
  redemptions: Rows,
  subscriptions: Rows,
  offers: Rows,
  offerClaims: Rows,
  deliveries: Rows,
  promoSends: Rows,
  consents: Rows,
  conversationMemory: Rows,
  linkCodes: Rows,
  cardScans: Rows,
});

doc({
  method: "get",
  path: "/v1/members/{id}/export",
  tag: "Personal data",
  summary: "Everything held about the member, as JSON (data subject access / portability)",
  responses: { 200: { description: "The export", schema: ExportSchema }, 404: { description: "No such member" } },
});
privacyRoutes.get("/members/:id/export", async (c) => {
  const data = await exportMember(c.get("db"), c.get("merchantId"), c.req.param("id"), c.get("deps").clock.now());
  c.header("content-disposition", `attachment; filename="member-${data.member.id as string}.json"`);
  return c.json(data);
});

const ErasureSchema = z.object({
  memberId: z.string(),
  erasedAt: z.string(),
  removed: z.object({
    chats: z.number().int(),
    conversationTurns: z.number().int(),
    linkCodes: z.number().int(),
    messageTexts: z.number().int(),
  }),
  kept: z.object({
    orders: z.number().int(),
    ledgerEntries: z.number().int(),
    pointsTotal: z.number().int(),
    creditBalance: z.number().int(),
  }),
});

doc({
  method: "post",
  path: "/v1/members/{id}/erase",
  tag: "Personal data",
  summary: "Erase the member's identity (anonymise); idempotent",
  description:
    "Drops name, phone, birthday, externalId and chat ids (chats unlinked), conversation memory, unused link codes, rendered message texts and survey answers typed as text, and ends promotions (a consent withdrawal). Orders, ledger entries, lots, credit and redemptions stay with their amounts, so balances and reports still add up. Calling it again changes nothing and answers the same member (removed counts 0).",
  responses: {
    200: { description: "What was removed and what stays", schema: ErasureSchema },
    404: { description: "No such member" },
  },
});
privacyRoutes.post("/members/:id/erase", async (c) =>
  c.json(
    await eraseMember(c.get("db"), c.get("merchantId"), c.req.param("id"), c.get("deps").clock.now(), {
      channel: "api",
      actor: c.get("actor"),
    }),
  ),
);

const AuditQuerySchema = z.object({
  from: dateTimeInRange().optional().describe("Entries at or after this instant"),
  to: dateTimeInRange().optional().describe("Entries before this instant"),
  action: text(200)
    .optional()
    .describe("Exact action (`PUT /v1/program`) or a prefix ending in * (`POST /v1/members*`)"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().pipe(int8(1)).optional().describe("Cursor: `next` of the previous page"),
});
const AuditEntrySchema = z.object({
  id: z.string(),
  actor: z.string().describe("key:<api key id>, or console:<api key id> for a console session"),
  action: z.string().describe("METHOD route pattern, e.g. POST /v1/members/:id/erase"),
  target: z.string().describe("The path written"),
  status: z.number().int(),
  requestId: z.string().nullable(),
  before: z.unknown().describe("Settings endpoints: the stored value before the write; else null"),
  after: z.unknown().describe("Settings endpoints: the stored value after the write; else null"),
  at: z.string(),
});

doc({
  method: "get",
  path: "/v1/audit-log",
  tag: "Personal data",
  summary: "The audit log of this merchant's writes (API keys and console sessions), newest first",
  query: AuditQuerySchema,
  responses: {
    200: {
      description: "A page of entries",
      schema: z.object({ entries: z.array(AuditEntrySchema), next: z.string().nullable() }),
    },
  },
});
privacyRoutes.get("/audit-log", async (c) => {
  const q = parseQuery(c, AuditQuerySchema);
  return c.json(
    await listAudit(c.get("db"), c.get("merchantId"), {
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      action: q.action,
      limit: q.limit,
      before: q.before,
    }),
  );
});

doc({
  method: "get",
  path: "/v1/privacy/settings",
  tag: "Personal data",
  summary: "Retention of conversation memory and delivery logs (defaults until set)",
  responses: { 200: { description: "The settings", schema: PrivacySettingsSchema } },
});
privacyRoutes.get("/privacy/settings", async (c) => c.json(await getPrivacySettings(c.get("db"), c.get("merchantId"))));

doc({
  method: "put",
  path: "/v1/privacy/settings",
  tag: "Personal data",
  summary: "Replace the retention settings (fields left out take their defaults); the hourly job applies them",
  body: PrivacySettingsSchema,
  responses: { 200: { description: "The stored settings", schema: PrivacySettingsSchema } },
});
privacyRoutes.put("/privacy/settings", async (c) => {
  const s = await parseBody(c, PrivacySettingsSchema);
  return c.json(await putPrivacySettings(c.get("db"), c.get("merchantId"), s));
});

doc({
  method: "post",
  path: "/v1/jobs/retention",
  tag: "Jobs",
  summary: "Purge conversation memory and delivery logs past the retention settings now (also runs hourly)",
  responses: {
    200: {
      description: "What was purged",
      schema: z.object({
        conversationTurns: z.number().int(),
        deliveryLogs: z.number().int(),
        outboxMessages: z.number().int(),
      }),
    },
  },
});
privacyRoutes.post("/jobs/retention", async (c) =>
  c.json(await purgeExpired(c.get("db"), c.get("merchantId"), c.get("deps").clock.now())),
);

// ---- audit middleware ----

/*
 * Audit middleware on /v1: every successful write (POST, PUT, PATCH, DELETE answered 2xx) is recorded with its API
 * key, route pattern, path and status. For the settings endpoints (a PUT whose path is also a GET) the stored value
 * before (read just before the write through the same API) and after (the PUT's answer) are kept too. Refused
 * writes (4xx) changed nothing and are not recorded. The entry is written after the handler, before the answer
 * leaves: a crash in between loses the entry, never the write (see docs/security.md). Console form posts are
 * recorded the same way, as `console:<api key id>` (the key the session was opened with).
 */
/** PUT endpoints that replace one settings document, which their GET returns. */
export const SETTINGS_PATHS = new Set([
  "/v1/program",
  "/v1/messaging/settings",
  "/v1/llm/settings",
  "/v1/offers/settings",
  "/v1/journeys/reactivation",
  "/v1/privacy/settings",
  "/v1/zns/settings",
]);

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

async function jsonOf(res: Response): Promise<unknown> {
  if (!(res.headers.get("content-type") ?? "").includes("json")) return null;
  try {
    return await res.clone().json();
  } catch {
    return null;
  }
}

/** `get` reads a path through the same app (with the caller's credentials), for a settings document's "before". */
export function auditWrites(
  get: (path: string, authorization: string) => Promise<Response>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (READS.has(c.req.method)) return next();
    const settings = c.req.method === "PUT" && SETTINGS_PATHS.has(c.req.path);
    let before: unknown = null;
    if (settings) {
      const res = await get(c.req.path, c.req.header("authorization") ?? "");
      if (res.ok) before = await jsonOf(res);
    }
    await next();
    if (c.res.status < 200 || c.res.status >= 300) return;
    await record(c, c.get("merchantId"), {
      before: settings ? before : null,
      after: settings ? await jsonOf(c.res) : null,
    });
  };
}

async function record<E extends AppEnv>(c: Context<E>, merchantId: string, extra: { before: unknown; after: unknown }) {
  await writeAudit(
    c.get("db"),
    {
      merchantId,
      actor: c.get("actor"),
      action: `${c.req.method} ${routePath(c, -1)}`,
      target: c.req.path,
      status: c.res.status,
      requestId: c.get("requestId"),
      ...extra,
    },
    c.get("deps").clock.now(),
  );
}

/** The console's form posts (2xx, or the 303 after a successful post), by the session's API key. */
export function auditConsoleWrites(): MiddlewareHandler<AppEnv & { Variables: { consoleMerchantId: string } }> {
  return async (c, next) => {
    await next();
    if (READS.has(c.req.method) || c.res.status >= 400) return;
    await record(c, c.get("consoleMerchantId"), { before: null, after: null });
  };
}
