import { z } from "zod";
import { and, asc, eq, gt } from "drizzle-orm";
import { recordConsent } from "./consent.ts";
import { apiGroup, found, pageOf, created, ok } from "../http/route.ts";
import { members } from "../db/schema.ts";
import type { Db } from "../db/types.ts";
import { getProgram } from "../program/service.ts";
import { ledgerPage, type MemberRow } from "../ledger/ledger.ts";
import { CreateMemberSchema, LedgerEntryView, LedgerQuery, MemberView, UpdateMemberSchema } from "./schemas.ts";
import { createMember, duplicateField, memberView, requireMember } from "./service.ts";
import { conflict } from "../http/problem.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { normalizePhone } from "./phone.ts";
import { normalizeEmail } from "./email.ts";
import { given } from "../lib/patch.ts";
import { lastIdCursor, pageLimit } from "../lib/schemas/fields.ts";

const api = apiGroup("Members");

/** The member's view under the merchant's program now in force. */
const viewUnderProgram = async (db: Db, merchantId: string, m: MemberRow, now: Date) =>
  memberView(db, await getProgram(db, merchantId), m, now);

api.post(
  "/v1/members",
  {
    summary: "Enrol a member",
    description:
      "Phone numbers are normalised to E.164 (0912… → +84912…), emails trimmed and lower-cased. A duplicate phone, email or externalId within the merchant → 409 (`member-exists`, `field` names which).",
    body: CreateMemberSchema,
    responses: created("The member", MemberView, { 409: "Duplicate phone, email or externalId" }),
  },
  async ({ db, merchantId, now, body: input }) =>
    viewUnderProgram(db, merchantId, await createMember(db, merchantId, input, now), now),
);

const ListQuery = z.object({
  phone: z.string().optional(),
  email: z.string().max(254).optional().describe("Exact address, case-insensitive"),
  externalId: z.string().optional(),
  limit: pageLimit(500),
  after: lastIdCursor(),
});

api.get(
  "/v1/members",
  {
    summary: "List or look up members (by phone, email or externalId)",
    query: ListQuery,
    responses: ok("A page of members", pageOf("members", MemberView)),
  },
  async ({ db, merchantId, now, query: q }) => {
    const conds = [eq(members.merchantId, merchantId)];
    if (q.phone) conds.push(eq(members.phone, normalizePhone(q.phone) ?? q.phone));
    if (q.email) conds.push(eq(members.email, normalizeEmail(q.email)));
    if (q.externalId) conds.push(eq(members.externalId, q.externalId));
    if (q.after) conds.push(gt(members.id, q.after));
    const rows = await db
      .select()
      .from(members)
      .where(and(...conds))
      .orderBy(asc(members.id))
      .limit(q.limit);
    const program = await getProgram(db, merchantId);
    const views = [];
    for (const m of rows) views.push(await memberView(db, program, m, now));
    return { members: views, next: rows.length === q.limit ? rows[rows.length - 1]!.id : null };
  },
);

api.get(
  "/v1/members/{id}",
  {
    summary: "A member with balance, tier progress, expiring points and linked chats",
    responses: found("The member", MemberView, "No such member of this merchant"),
  },
  async ({ db, merchantId, now, param }) =>
    viewUnderProgram(db, merchantId, await requireMember(db, merchantId, param("id")), now),
);

api.patch(
  "/v1/members/{id}",
  {
    summary:
      "Update a member's profile (phone, email, name, birthday, language, externalId) or marketing consent (optedIn)",
    description:
      "optedIn records a marketing-consent event (channel `api`, the acting key) in the same transaction as the change (docs/security.md).",
    body: UpdateMemberSchema,
    responses: ok("The member", MemberView, { 404: "No such member", 409: "Duplicate phone, email or externalId" }),
  },
  async ({ c, db, merchantId, now, param, body: input }) => {
    let m = await requireMember(db, merchantId, param("id"));
    if (input.optedIn !== undefined && input.optedIn !== m.optedIn) {
      // Consent taken outside the chat (at the till, on a form): recorded like every other consent change.
      await recordConsent(
        db,
        merchantId,
        m.id,
        {
          purpose: "marketing",
          granted: input.optedIn,
          channel: "api",
          wording: "Recorded by the shop through the API (PATCH /v1/members/{id}, optedIn)",
          actor: c.get("actor") ?? null,
        },
        now,
      );
      m = await requireMember(db, merchantId, m.id);
    }
    const set: Partial<typeof members.$inferInsert> = given(input, [
      "phone",
      "email",
      "externalId",
      "name",
      "birthday",
      "language",
    ]);
    let updated = m;
    if (Object.keys(set).length > 0) {
      try {
        [updated] = (await db.update(members).set(set).where(eq(members.id, m.id)).returning()) as [typeof m];
      } catch (err) {
        if (isUniqueViolation(err)) {
          const which = duplicateField(err);
          throw conflict("member-exists", "Member exists", `Another member has this ${which}`, { field: which });
        }
        throw err;
      }
    }
    return await viewUnderProgram(db, merchantId, updated, now);
  },
);

api.get(
  "/v1/members/{id}/ledger",
  {
    summary: "The member's ledger, newest first (Σ points = balance + pending)",
    query: LedgerQuery,
    responses: found("Entries", pageOf("entries", LedgerEntryView), "No such member"),
  },
  async ({ db, merchantId, param, query: q }) => {
    const m = await requireMember(db, merchantId, param("id"));
    const rows = await ledgerPage(db, merchantId, m.id, q.limit, q.before);
    return {
      entries: rows.map((e) => ({
        id: String(e.id),
        kind: e.kind,
        points: e.points,
        createdAt: e.createdAt.toISOString(),
        orderId: e.orderId,
        refundId: e.refundId,
        redemptionId: e.redemptionId,
        reason: e.reason,
        breakdown: e.breakdown ?? null,
      })),
      next: q.limit !== undefined && rows.length === q.limit ? String(rows[rows.length - 1]!.id) : null,
    };
  },
);

export const memberRoutes = api.app;
