/**
 * The merchant's registry of approved ZNS templates: Zalo's template id, a name, the tag (promotion needs marketing
 * consent) and, per Zalo parameter, where its value comes from (member facts, the campaign's offer, or a constant).
 * A template of another merchant is "not found" (404), also when used by a campaign or journey.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { findOne } from "../db/find.ts";
import { num, queryRows, col } from "../db/rows.ts";
import { DomainError } from "../lib/errors.ts";
import { spendable } from "../ledger/ledger.ts";
import { merchants } from "../db/schema.ts";
import { znsSettings, type ZnsSettings } from "./settings.ts";
import { renderZnsData, type ZnsFacts } from "./render.ts";
import { znsTemplates, type ZnsParamSource, type ZnsTemplateTag } from "./tables.ts";

export const ZNS_TEMPLATE_ID = z
  .string()
  .regex(/^[0-9A-Za-z_-]{1,40}$/, "Zalo's template id: letters, digits, _ and - (at most 40)");

const MEMBER_SOURCES = [
  "firstName",
  "name",
  "points",
  "tier",
  "phone",
  "offerCode",
  "offerExpiry",
  "merchantName",
] as const;

export const ZnsParamSourceSchema = z.union([
  z.strictObject({ source: z.enum(MEMBER_SOURCES) }),
  z.strictObject({ source: z.literal("const"), value: z.string().trim().min(1).max(200) }),
]);

export const PutZnsTemplateSchema = z.object({
  name: z.string().trim().min(1).max(200),
  tag: z
    .enum(["transaction", "care", "promotion"])
    .default("promotion")
    .describe("Zalo's template tag; promotion templates go only to members with marketing consent"),
  params: z
    .record(z.string().regex(/^[A-Za-z0-9_]{1,50}$/, "a Zalo parameter name"), ZnsParamSourceSchema)
    .refine((p) => Object.keys(p).length <= 30, { message: "at most 30 parameters" })
    .describe(
      'Zalo parameter → value source: {"source": "firstName" | "name" | "points" | "tier" | "phone" | "offerCode" | "offerExpiry" | "merchantName"} or {"source": "const", "value": "…"}',
    ),
});

export type PutZnsTemplateInput = z.output<typeof PutZnsTemplateSchema>;

export interface ZnsTemplateView {
  templateId: string;
  name: string;
  tag: ZnsTemplateTag;
  params: Record<string, ZnsParamSource>;
  createdAt: string;
  updatedAt: string;
}

type Row = typeof znsTemplates.$inferSelect;
const view = (r: Row): ZnsTemplateView => ({
  templateId: r.templateId,
  name: r.name,
  tag: r.tag,
  params: r.params,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const templateNotFound = (field?: string) =>
  new DomainError(
    "not-found",
    "zns-template-not-found",
    "Not found",
    "ZNS template not found (register it with PUT /v1/zns/templates/{templateId})",
    field ? [{ path: field, message: "no such ZNS template" }] : undefined,
  );

/** Creates or replaces a template; `created` tells which. */
export async function putZnsTemplate(
  db: Db,
  merchantId: string,
  templateId: string,
  input: PutZnsTemplateInput,
  now: Date,
): Promise<{ template: ZnsTemplateView; created: boolean }> {
  const rows = await queryRows(
    db,
    sql`insert into zns_templates (merchant_id, template_id, name, tag, params, created_at, updated_at)
        values (${merchantId}, ${templateId}, ${input.name}, ${input.tag}, ${JSON.stringify(input.params)}::jsonb, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
        on conflict (merchant_id, template_id) do update set name = excluded.name, tag = excluded.tag, params = excluded.params, updated_at = excluded.updated_at
        returning (xmax = 0) as created`,
    z.object({ created: z.boolean() }),
  );
  return { template: await getZnsTemplate(db, merchantId, templateId), created: rows[0]?.created === true };
}

export async function findZnsTemplate(db: Db, merchantId: string, templateId: string): Promise<Row | undefined> {
  return findOne(db, znsTemplates, eq(znsTemplates.merchantId, merchantId), eq(znsTemplates.templateId, templateId));
}

/** The merchant's template, else 404 (`field` names the request field that referred to it). */
export async function requireZnsTemplate(db: Db, merchantId: string, templateId: string, field?: string) {
  const t = await findZnsTemplate(db, merchantId, templateId);
  if (!t) throw templateNotFound(field);
  return t;
}

export async function getZnsTemplate(db: Db, merchantId: string, templateId: string): Promise<ZnsTemplateView> {
  return view(await requireZnsTemplate(db, merchantId, templateId));
}

export async function listZnsTemplates(db: Db, merchantId: string): Promise<ZnsTemplateView[]> {
  const rows = await db
    .select()
    .from(znsTemplates)
    .where(eq(znsTemplates.merchantId, merchantId))
    .orderBy(asc(znsTemplates.templateId));
  return rows.map(view);
}

export async function deleteZnsTemplate(db: Db, merchantId: string, templateId: string): Promise<void> {
  await requireZnsTemplate(db, merchantId, templateId);
  await db
    .delete(znsTemplates)
    .where(and(eq(znsTemplates.merchantId, merchantId), eq(znsTemplates.templateId, templateId)));
}

export const PreviewZnsSchema = z.object({
  memberId: z.string().min(1).max(200).optional().describe("Render for this member (default: a sample member)"),
  offerCode: z.string().trim().min(1).max(60).optional(),
  offerExpiry: z.iso.date().optional(),
});

export interface ZnsPreview {
  templateId: string;
  mode: ZnsSettings["mode"];
  /** The 84… form ZNS is sent to; null when the member has no usable phone. */
  phone: string | null;
  templateData: Record<string, string>;
  pricePerMessage: number;
  sample: boolean;
}

/** Renders a template for one of the merchant's members, or for a sample member ("Nguyễn Văn Hoa", 1.234 points). */
export async function previewZnsTemplate(
  db: Db,
  merchantId: string,
  templateId: string,
  input: z.output<typeof PreviewZnsSchema>,
  now: Date,
): Promise<ZnsPreview> {
  const t = await requireZnsTemplate(db, merchantId, templateId);
  const settings = await znsSettings.get(db, merchantId);
  const [mer] = await db
    .select({ name: merchants.name, timezone: merchants.timezone })
    .from(merchants)
    .where(eq(merchants.id, merchantId));
  let facts: ZnsFacts = {
    name: "Nguyễn Văn Hoa",
    points: 1234,
    tier: "Bạc",
    phone: "+84912345678",
    merchantName: mer?.name ?? "",
  };
  if (input.memberId) {
    const n = now.toISOString();
    const [m] = await queryRows(
      db,
      sql`select m.name, m.phone, m.points_total, m.tier_name,
                 (select f.pending from cl_member_facts(m.merchant_id, m.id, ${n}::timestamptz, ${n}::timestamptz, ${n}::timestamptz) f) as pending
          from members m where m.id = ${input.memberId} and m.merchant_id = ${merchantId}`,
      z.object({
        name: z.string().nullable(),
        phone: z.string().nullable(),
        points_total: col.any,
        tier_name: z.string().nullable(),
        pending: col.any,
      }),
    );
    if (!m)
      throw new DomainError("not-found", "member-not-found", "Not found", "Member not found", [
        { path: "memberId", message: "no such member" },
      ]);
    facts = {
      name: m.name,
      points: spendable(num(m.points_total), num(m.pending)).balance,
      tier: m.tier_name,
      phone: m.phone,
      merchantName: mer?.name ?? "",
    };
  }
  facts = { ...facts, offerCode: input.offerCode ?? "SAMPLE10", offerExpiry: input.offerExpiry ?? null };
  const phone = facts.phone ? facts.phone.replace(/^\+/, "") : null;
  return {
    templateId: t.templateId,
    mode: settings.mode,
    phone: phone && /^84[1-9]\d{8,9}$/.test(phone) ? phone : null,
    templateData: renderZnsData(t.params, facts),
    pricePerMessage: settings.pricePerMessage,
    sample: !input.memberId,
  };
}
