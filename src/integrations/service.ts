/**
 * Connections (a shop's webhook secret sealed under SECRETS_KEY), the receivers' pipeline — authenticate on the
 * raw body, map, apply, log — and replay of failed deliveries.
 */
import { and, desc, eq, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/types.ts";
import { findOne } from "../db/find.ts";
import type { AppDeps } from "../deps.ts";
import { conflict, notFound, validationError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { createSecretBox, type SecretBox } from "../lib/secret-box.ts";
import { pgErrorCode } from "../db/errors.ts";
import { findBadText, text as cleanText } from "../lib/validate.ts";
import { applyAction, combine, connectionFacts, type Applied } from "./apply.ts";
import { arr, type Json, obj, parseLossless, str } from "./json.ts";
import { mapHaravan } from "./haravan.ts";
import { DELIVERY_DEADLINE_MS, KiotVietApi, KiotVietCredentials } from "./kiotviet-api.ts";
import { mapKiotViet, RETURN_KIND_HEADER, returnAction } from "./kiotviet.ts";
import { type Mapped, topicVerb, Unusable } from "./mapping.ts";
import { mapNhanh } from "./nhanh.ts";
import { mapSapo } from "./sapo.ts";
import { mapShopify } from "./shopify.ts";
import { verifySignature } from "./signature.ts";
import { integrationConnections, integrationDeliveries, type Platform } from "./tables.ts";
import { nullableStrings, strings } from "../lib/schemas/fields.ts";

export const PLATFORMS = ["shopify", "haravan", "sapo", "kiotviet", "nhanh"] as const;

export const CreateIntegrationSchema = z
  .object({
    platform: z.enum(PLATFORMS),
    name: z.string().trim().min(1).max(200).optional(),
    secret: z.string().min(1).max(500).describe("The webhook secret / verify token the platform signs with"),
    shop: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, . _ and - only")
      .optional()
      .describe("The shop's domain or code; required for a second connection of one platform"),
    credentials: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("KiotViet: { clientId, clientSecret, retailer } to re-read invoices and poll returns"),
    enrolUnknownCustomers: z.boolean().default(true),
    tax: z
      .enum(["as-priced", "exclude"])
      .default("as-priced")
      .describe("as-priced: earn on line prices as the platform sends them; exclude: take included tax out"),
  })
  .superRefine((v, ctx) => {
    if (v.platform !== "kiotviet" || v.credentials === undefined) return;
    const r = KiotVietCredentials.safeParse(v.credentials);
    for (const issue of r.error?.issues ?? [])
      ctx.addIssue({ code: "custom", path: ["credentials", ...issue.path.map(String)], message: issue.message });
  });
export type CreateIntegrationInput = z.output<typeof CreateIntegrationSchema>;

export const IntegrationView = z.object({
  id: z.string(),
  platform: z.enum(PLATFORMS),
  name: z.string().nullable(),
  shop: z.string().nullable(),
  webhookUrl: z.string(),
  enrolUnknownCustomers: z.boolean(),
  tax: z.enum(["as-priced", "exclude"]),
  hasCredentials: z.boolean(),
  createdAt: z.string(),
});
export type IntegrationView = z.output<typeof IntegrationView>;

export const DeliveryView = z.object({
  ...strings("id", "receivedAt"),
  ...nullableStrings("topic", "objectId"),
  outcome: z.enum(["applied", "duplicate", "ignored", "rejected-signature", "failed"]),
  reason: z.string().nullable(),
  externalId: z.string().nullable(),
  webhookId: z.string().nullable(),
  replayedAt: z.string().nullable(),
});
export type DeliveryView = z.output<typeof DeliveryView>;

type ConnectionRow = typeof integrationConnections.$inferSelect;
type DeliveryRow = typeof integrationDeliveries.$inferSelect;

export const webhookPath = (platform: string, id: string) => `/hooks/${platform}/${id}`;

function view(row: ConnectionRow, publicUrl: string | undefined): IntegrationView {
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    shop: row.shop,
    webhookUrl: (publicUrl?.replace(/\/$/, "") ?? "") + webhookPath(row.platform, row.id),
    enrolUnknownCustomers: row.enrolUnknownCustomers,
    tax: row.tax,
    hasCredentials: row.credentialsSealed !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

const deliveryView = (d: DeliveryRow): DeliveryView => ({
  id: d.id,
  receivedAt: d.receivedAt.toISOString(),
  topic: d.topic,
  objectId: d.objectId,
  outcome: d.outcome,
  reason: d.reason,
  externalId: d.externalId,
  webhookId: d.webhookId,
  replayedAt: d.replayedAt?.toISOString() ?? null,
});

export const secretBoxFor = (deps: AppDeps): SecretBox => createSecretBox(deps.config.SECRETS_KEY);

export async function createConnection(
  db: Db,
  deps: AppDeps,
  merchantId: string,
  input: CreateIntegrationInput,
): Promise<IntegrationView> {
  const box = secretBoxFor(deps);
  const existing = await liveConnections(
    db,
    eq(integrationConnections.merchantId, merchantId),
    eq(integrationConnections.platform, input.platform),
  );
  // The first connection of a platform writes `{platform}:{order id}`; another one needs its shop in the id.
  if (existing.length > 0 && !input.shop)
    throw validationError(
      [{ path: "shop", message: `required: the merchant already has a ${input.platform} connection` }],
      "A second connection of one platform needs its shop",
    );
  if (existing.some((e) => e.shop === input.shop))
    throw conflict("integration-exists", "Integration exists", `A ${input.platform} connection for this shop exists`);
  const [row] = await db
    .insert(integrationConnections)
    .values({
      id: newId("int"),
      merchantId,
      platform: input.platform,
      name: input.name ?? null,
      shop: input.shop ?? null,
      // Informational: each delivery decides its prefix when applied (apply.ts connectionFacts).
      idPrefix: existing.length > 0 ? `${input.platform}:${input.shop}` : input.platform,
      secretSealed: await box.seal(input.secret),
      credentialsSealed: input.credentials ? await box.seal(JSON.stringify(input.credentials)) : null,
      enrolUnknownCustomers: input.enrolUnknownCustomers,
      tax: input.tax,
      createdAt: deps.clock.now(),
    })
    .returning();
  return view(row!, deps.config.PUBLIC_URL);
}

export async function listConnections(db: Db, deps: AppDeps, merchantId: string): Promise<IntegrationView[]> {
  const rows = await liveConnections(db, eq(integrationConnections.merchantId, merchantId));
  return rows.map((r) => view(r, deps.config.PUBLIC_URL));
}

/** The merchant's own live connection, else 404 (another merchant's id is indistinguishable from none). */
export async function requireConnection(db: Db, merchantId: string, id: string): Promise<ConnectionRow> {
  const [row] = await liveConnections(
    db,
    eq(integrationConnections.id, id),
    eq(integrationConnections.merchantId, merchantId),
  );
  if (!row) throw notFound("Integration", "integration-not-found");
  return row;
}

/** Connections not deleted that match every condition. */
function liveConnections(db: Db, ...conds: SQL[]): Promise<ConnectionRow[]> {
  return db
    .select()
    .from(integrationConnections)
    .where(and(...conds, isNull(integrationConnections.deletedAt)))
    .orderBy(integrationConnections.createdAt);
}

export async function deleteConnection(db: Db, deps: AppDeps, merchantId: string, id: string): Promise<void> {
  await requireConnection(db, merchantId, id);
  await db.update(integrationConnections).set({ deletedAt: deps.clock.now() }).where(eq(integrationConnections.id, id));
}

export async function listDeliveries(db: Db, merchantId: string, id: string, limit: number): Promise<DeliveryView[]> {
  await requireConnection(db, merchantId, id);
  const rows = await db
    .select()
    .from(integrationDeliveries)
    .where(and(eq(integrationDeliveries.connectionId, id), eq(integrationDeliveries.merchantId, merchantId)))
    .orderBy(desc(integrationDeliveries.seq))
    .limit(limit);
  return rows.map(deliveryView);
}

/** Opened secrets by sealed text: opening costs an AES-GCM decrypt on every delivery otherwise. */
const opened = new Map<string, string>();
async function openSecret(box: SecretBox, sealed: string): Promise<string> {
  const hit = opened.get(sealed);
  if (hit !== undefined) return hit;
  const plain = await box.open(sealed);
  if (opened.size > 1000) opened.clear();
  opened.set(sealed, plain);
  return plain;
}

/** The live connection a webhook URL names (any merchant: the signature is the authentication). */
export async function connectionForHook(db: Db, platform: string, id: string): Promise<ConnectionRow | undefined> {
  if (!(PLATFORMS as readonly string[]).includes(platform)) return undefined;
  const [row] = await liveConnections(
    db,
    eq(integrationConnections.id, id),
    eq(integrationConnections.platform, platform as Platform),
  );
  return row;
}

export async function connectionSecret(deps: AppDeps, row: ConnectionRow): Promise<string> {
  return openSecret(secretBoxFor(deps), row.secretSealed);
}

/** Headers kept with a delivery: what mapping reads again on replay (topic) and the platform's delivery id. */
const KEPT_HEADERS = [
  "x-shopify-topic",
  "x-shopify-webhook-id",
  "x-shopify-shop-domain",
  "x-haravan-topic",
  "x-haravan-org-id",
  "x-sapo-topic",
  "x-sapo-tenant-domain",
  "x-sapo-object-id",
  "x-sapo-webhook-id",
];

export interface HookResult {
  status: 200 | 401 | 404;
  body: { ok: boolean; outcome?: string; deliveryId?: string };
}

/** POST /hooks/{platform}/{id}: 404 unknown, 401 bad signature (nothing written but the log line), else 200. */
export async function receiveDelivery(
  db: Db,
  deps: AppDeps,
  platform: string,
  id: string,
  raw: Uint8Array,
  header: (name: string) => string | undefined,
): Promise<HookResult> {
  const conn = await connectionForHook(db, platform, id);
  if (!conn) return { status: 404, body: { ok: false } };
  const now = deps.clock.now();
  const headers: Record<string, string> = {};
  for (const h of KEPT_HEADERS) {
    const v = header(h);
    if (v) headers[h] = v.slice(0, 300);
  }
  if (!(await verifySignature(conn.platform, await connectionSecret(deps, conn), raw, header))) {
    await db.insert(integrationDeliveries).values({
      id: newId("dlv"),
      merchantId: conn.merchantId,
      connectionId: conn.id,
      receivedAt: now,
      topic: topicHeader(headers) ?? null,
      outcome: "rejected-signature",
      reason: "signature missing or wrong",
      headers,
    });
    return { status: 401, body: { ok: false } };
  }
  // Postgres text cannot hold NUL: a body with a raw NUL byte is not JSON anyway (unusable), kept with U+FFFD.
  const text = new TextDecoder().decode(raw).replaceAll("\u0000", "\uFFFD");
  const deliveryId = newId("dlv");
  const result = await handleBody(db, deps, conn, text, headers, now);
  await db.insert(integrationDeliveries).values({
    id: deliveryId,
    merchantId: conn.merchantId,
    connectionId: conn.id,
    receivedAt: now,
    topic: result.topic ?? null,
    webhookId: header("x-shopify-webhook-id") ?? header("x-sapo-webhook-id") ?? result.webhookId ?? null,
    objectId: result.objectId ?? null,
    outcome: result.outcome,
    reason: result.reason ?? null,
    externalId: result.externalId ?? null,
    headers,
    body: text,
  });
  return { status: 200, body: { ok: true, outcome: result.outcome, deliveryId } };
}

const topicHeader = (h: Record<string, string>) => h["x-shopify-topic"] ?? h["x-haravan-topic"] ?? h["x-sapo-topic"];

interface Processed extends Applied {
  topic?: string | undefined;
  objectId?: string | undefined;
  webhookId?: string | undefined;
}

/**
 * Map and apply one body; an unusable payload is a `failed` result, never an exception — nor is an unexpected error
 * while mapping or applying (logged; the delivery is `failed` with a short reason, kept for replay).
 */
async function handleBody(
  db: Db,
  deps: AppDeps,
  conn: ConnectionRow,
  text: string,
  headers: Record<string, string>,
  now: Date,
): Promise<Processed> {
  const topic = topicHeader(headers);
  const body = parseLossless(text);
  if (body === undefined) return { topic, outcome: "failed", reason: "body is not JSON" };
  // Text Postgres cannot store (NUL, unpaired surrogates) anywhere in the payload: unusable as a whole (the path
  // names where; the key of a bad key is not repeated).
  const [bad] = findBadText(body);
  if (bad) return { topic, outcome: "failed", reason: `${safePath(bad.path)}: ${bad.message}` };
  try {
    return await mapAndApply(db, deps, conn, body, topic, now, headers);
  } catch (err) {
    if (err instanceof Unusable) return { topic, outcome: "failed", reason: err.message };
    // Only the error's kind and database code: its message may carry the payload's personal data.
    const code = pgErrorCode(err);
    deps.logger.warn("integration delivery failed", {
      connectionId: conn.id,
      error: err instanceof Error ? err.name : typeof err,
      ...(code ? { code } : {}),
    });
    return {
      topic,
      outcome: "failed",
      reason: code ? `the database refused the delivery (SQLSTATE ${code})` : "unexpected error while applying",
    };
  }
}

/** A findBadText path with the segment of a bad key cut off (the key itself is the bad text). */
const safePath = (path: string) => {
  const parts = path.split(".");
  while (parts.length > 0 && findBadText(parts.at(-1)).length > 0) parts.pop();
  return parts.join(".") || "body";
};

async function mapAndApply(
  db: Db,
  deps: AppDeps,
  conn: ConnectionRow,
  body: unknown,
  topic: string | undefined,
  now: Date,
  headers: Record<string, string>,
): Promise<Processed> {
  const mapped: Mapped =
    headers[RETURN_KIND_HEADER] === "kiotviet-return"
      ? { topic: "returns.poll", objectId: str(obj(body)?.id), actions: [returnAction(obj(body) ?? {})] }
      : await mapBody(db, deps, conn, topic, body);
  const facts = await connectionFacts(db, conn);
  const results: Applied[] = [];
  for (const action of mapped.actions) results.push(await applyAction(db, facts, action, now, deps.orderHooks));
  const envelopeId = conn.platform === "kiotviet" && typeof (body as { Id?: unknown }).Id === "string";
  return {
    ...combine(results),
    topic: mapped.topic.slice(0, 200),
    objectId: mapped.objectId?.slice(0, 200),
    webhookId: envelopeId ? String((body as { Id: string }).Id).slice(0, 200) : undefined,
  };
}

/**
 * The payload an order was received with on this connection, read back from the delivery log (the delivery that
 * wrote the order, else the newest order event for that id): refunds/create names lines by their order line id.
 */
async function storedOrderPayload(db: Db, conn: ConnectionRow, orderId: string): Promise<Json | undefined> {
  const rows = await db
    .select({
      body: integrationDeliveries.body,
      topic: integrationDeliveries.topic,
      outcome: integrationDeliveries.outcome,
    })
    .from(integrationDeliveries)
    .where(
      and(
        eq(integrationDeliveries.merchantId, conn.merchantId),
        eq(integrationDeliveries.connectionId, conn.id),
        eq(integrationDeliveries.objectId, orderId),
      ),
    )
    .orderBy(desc(integrationDeliveries.seq))
    .limit(20);
  const orders = rows.filter((r) => r.body !== null && r.topic !== null && topicVerb(r.topic) !== "refund");
  orders.sort((a, b) => Number(b.outcome === "applied") - Number(a.outcome === "applied"));
  for (const r of orders) {
    const o = obj(parseLossless(r.body ?? ""));
    if (o && arr(o.line_items).length > 0) return o;
  }
  return undefined;
}

async function mapBody(
  db: Db,
  deps: AppDeps,
  conn: ConnectionRow,
  topic: string | undefined,
  body: unknown,
): Promise<Mapped> {
  const opts = { tax: conn.tax };
  switch (conn.platform) {
    case "shopify": {
      const t = requireTopic(topic);
      const orderId = topicVerb(t) === "refund" ? str(obj(body)?.order_id) : undefined;
      return mapShopify(t, body, opts, orderId ? await storedOrderPayload(db, conn, orderId) : undefined);
    }
    case "haravan":
      return mapHaravan(requireTopic(topic), body, opts);
    case "sapo":
      return mapSapo(requireTopic(topic), body, opts);
    case "nhanh":
      return mapNhanh(body);
    case "kiotviet":
      // One deadline for every KiotViet call of this delivery (token, invoice, customer, a retry): KiotViet waits 5 s.
      return mapKiotViet(body, await kiotVietApi(deps, conn, AbortSignal.timeout(DELIVERY_DEADLINE_MS)));
  }
}

function requireTopic(topic: string | undefined): string {
  if (!topic) throw new Unusable("topic header missing");
  return topic;
}

/** `deadline`: one signal every call shares (a delivery's); without it each call has its own timeout (the poll). */
export async function kiotVietApi(
  deps: AppDeps,
  conn: ConnectionRow,
  deadline?: AbortSignal,
): Promise<KiotVietApi | undefined> {
  if (!conn.credentialsSealed) return undefined;
  const creds = KiotVietCredentials.parse(JSON.parse(await openSecret(secretBoxFor(deps), conn.credentialsSealed)));
  return new KiotVietApi(
    creds,
    { apiRoot: deps.config.KIOTVIET_API_ROOT, tokenUrl: deps.config.KIOTVIET_TOKEN_URL },
    deps.clock,
    deadline,
  );
}

export const ReplaySchema = z.object({
  body: cleanText(1024 * 1024)
    .optional()
    .describe("A corrected raw body to apply instead of the stored one (kept for the log)"),
});

/** Re-applies a failed delivery (the stored body, or a corrected one); the row records the new outcome. */
export async function replayDelivery(
  db: Db,
  deps: AppDeps,
  merchantId: string,
  connectionId: string,
  deliveryId: string,
  correctedBody: string | undefined,
): Promise<DeliveryView> {
  const conn = await requireConnection(db, merchantId, connectionId);
  const d = await findOne(
    db,
    integrationDeliveries,
    eq(integrationDeliveries.id, deliveryId),
    eq(integrationDeliveries.connectionId, conn.id),
    eq(integrationDeliveries.merchantId, merchantId),
  );
  if (!d) throw notFound("Delivery", "delivery-not-found");
  if (d.outcome !== "failed" || d.body === null)
    throw conflict(
      "delivery-not-failed",
      "Not a failed delivery",
      `Only failed deliveries replay (this one: ${d.outcome})`,
    );
  const now = deps.clock.now();
  const text = correctedBody ?? d.body;
  const r = await handleBody(db, deps, conn, text, d.headers, now);
  const [row] = await db
    .update(integrationDeliveries)
    .set({
      outcome: r.outcome,
      reason: r.reason ?? null,
      externalId: r.externalId ?? null,
      objectId: r.objectId ?? d.objectId,
      topic: r.topic ?? d.topic,
      body: text,
      replayedAt: now,
    })
    .where(eq(integrationDeliveries.id, d.id))
    .returning();
  return deliveryView(row!);
}
