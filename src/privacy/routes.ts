/**
 * /v1 personal-data routes: a member's consents (read, record), export and erasure, the audit log, and the
 * retention settings with their purge job.
 */
import type { Context, MiddlewareHandler } from "hono";
import { auditStamp } from "../http/audit.ts";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import type { Db } from "../db/types.ts";
import { apiGroup, created, ints, ok, pageOf, settingsRoutes } from "../http/route.ts";
import { requireMember } from "../members/service.ts";
import { dateTimeInRange, int8, text } from "../lib/validate.ts";
import { listAudit } from "./audit.ts";
import { writeAudit } from "../audit/write.ts";
import { consentHistory, currentConsent, recordConsent } from "../members/consent.ts";
import { eraseMember, exportMember } from "./member-data.ts";
import { PrivacySettingsSchema, privacySettings, purgeExpired } from "./retention.ts";
import { pageLimit } from "../lib/schemas/fields.ts";

const api = apiGroup("Personal data");
const NO_MEMBER = { 404: "No such member" };

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

/** The member's consents now: its optedIn and its consent events. */
async function consentsOf(db: Db, merchantId: string, memberId: string) {
  const m = await requireMember(db, merchantId, memberId);
  const events = await consentHistory(db, merchantId, m.id);
  return { current: currentConsent(m.optedIn, events), events };
}

api.get(
  "/v1/members/{id}/consents",
  {
    summary: "The member's consent records (purpose, channel, time, wording shown) and current state",
    responses: ok("Consents", ConsentsView, NO_MEMBER),
  },
  ({ db, merchantId, param }) => consentsOf(db, merchantId, param("id")),
);

api.post(
  "/v1/members/{id}/consents",
  {
    summary: "Record a consent given or withdrawn (e.g. at the till); marketing also sets the member's optedIn",
    description:
      "Marketing consent and the loyalty terms are separate purposes. The event stores the wording, channel, time and the API key that recorded it; `optedIn` (which campaigns read) changes in the same transaction.",
    body: RecordConsent,
    responses: created("The consents after the change", ConsentsView, NO_MEMBER),
  },
  async ({ c, db, merchantId, now, param, body: input }) => {
    const m = await requireMember(db, merchantId, param("id"));
    await recordConsent(db, merchantId, m.id, { ...input, actor: c.get("actor") }, now);
    return await consentsOf(db, merchantId, m.id);
  },
);

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
  referralCodes: Rows,
  referrals: Rows.describe("Referrals the member made (referrerId) or joined through (friendId)"),
});

api.get(
  "/v1/members/{id}/export",
  {
    summary: "Everything held about the member, as JSON (data subject access / portability)",
    responses: ok("The export", ExportSchema, NO_MEMBER),
  },
  async ({ c, db, merchantId, now, param }) => {
    const data = await exportMember(db, merchantId, param("id"), now);
    c.header("content-disposition", `attachment; filename="member-${data.member.id as string}.json"`);
    return data;
  },
);

const ErasureSchema = z.object({
  memberId: z.string(),
  erasedAt: z.string(),
  removed: z.object(ints("chats", "conversationTurns", "linkCodes", "messageTexts")),
  kept: z.object(ints("orders", "ledgerEntries", "pointsTotal", "creditBalance")),
});

api.post(
  "/v1/members/{id}/erase",
  {
    summary: "Erase the member's identity (anonymise); idempotent",
    description:
      "Drops name, phone, birthday, externalId and chat ids (chats unlinked), conversation memory, unused link codes, rendered message texts and survey answers typed as text, and ends promotions (a consent withdrawal). Orders, ledger entries, lots, credit and redemptions stay with their amounts, so balances and reports still add up. Calling it again changes nothing and answers the same member (removed counts 0).",
    responses: ok("What was removed and what stays", ErasureSchema, NO_MEMBER),
  },
  ({ c, db, merchantId, now, param }) =>
    eraseMember(db, merchantId, param("id"), now, { channel: "api", actor: c.get("actor") }),
);

const AuditQuerySchema = z.object({
  from: dateTimeInRange().optional().describe("Entries at or after this instant"),
  to: dateTimeInRange().optional().describe("Entries before this instant"),
  action: text(200)
    .optional()
    .describe("Exact action (`PUT /v1/program`) or a prefix ending in * (`POST /v1/members*`)"),
  limit: pageLimit(500, 100),
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

api.get(
  "/v1/audit-log",
  {
    summary: "The audit log of this merchant's writes (API keys and console sessions), newest first",
    query: AuditQuerySchema,
    responses: ok("A page of entries", pageOf("entries", AuditEntrySchema)),
  },
  ({ db, merchantId, query: q }) =>
    listAudit(db, merchantId, {
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      action: q.action,
      limit: q.limit,
      before: q.before,
    }),
);

settingsRoutes(api, "/v1/privacy/settings", PrivacySettingsSchema, privacySettings, {
  get: { summary: "Retention of conversation memory and delivery logs (defaults until set)", answer: "The settings" },
  put: {
    summary: "Replace the retention settings (fields left out take their defaults); the hourly job applies them",
    answer: "The stored settings",
  },
});

api.post(
  "/v1/jobs/retention",
  {
    tag: "Jobs",
    summary: "Purge conversation memory and delivery logs past the retention settings now (also runs hourly)",
    responses: ok("What was purged", z.object(ints("conversationTurns", "deliveryLogs", "outboxMessages"))),
  },
  ({ db, merchantId, now }) => purgeExpired(db, merchantId, now),
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
    if (c.res.status < 200 || c.res.status >= 300 || c.get("audited")) return;
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
      ...auditStamp(c),
      status: c.res.status,
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

export const privacyRoutes = api.app;
