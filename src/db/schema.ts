/**
 * The whole database schema, as code (drizzle-kit generates `migrations/` from it).
 * Money is integer minor units, points are integers. Ledger tables are append-only;
 * `members.points_total` / `credit_balance` are caches updated in the same transaction as the entry.
 */
import { sql } from "drizzle-orm";
import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import {
  ts,
  createdAt,
  updatedAt,
  textId,
  merchantId,
  serialId,
  merchantCreatedIndex,
  bigNumber,
  chatUser,
} from "./columns.ts";

/** The owning merchant, with the foreign key (tables in other folders use `merchantId()` without one). */
const merchantRef = () =>
  text("merchant_id")
    .notNull()
    .references(() => merchants.id);
/** The member a row belongs to, with the foreign key. */
const memberRef = () =>
  text("member_id")
    .notNull()
    .references(() => members.id);
const orderRef = () =>
  text("order_id")
    .notNull()
    .references(() => orders.id);
/** The merchant (no foreign key: the member's row has it) and the member, with the foreign key. */
const merchantMemberRef = () => ({ merchantId: merchantId(), memberId: memberRef() });
/** The head of a member's ledger-like row: a serial id, the merchant and the member. */
const memberLogRow = () => ({ id: serialId(), ...merchantMemberRef() });
/** The head of a merchant's entity in the core schema: its prefixed id and the merchant, with the foreign key. */
const merchantRefRow = () => ({ id: textId(), merchantId: merchantRef() });

export const merchants = pgTable("merchants", {
  id: textId(),
  name: text("name").notNull(),
  timezone: text("timezone").notNull().default("Asia/Ho_Chi_Minh"),
  /** Free-form merchant settings (frequency caps, quiet hours, bot tokens refs…), validated by zod at the edge. */
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  isDemo: boolean("is_demo").notNull().default(false),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    ...merchantRefRow(),
    /** SHA-256 of the key; the key itself is shown once and never stored. */
    keyHash: text("key_hash").notNull(),
    /** First characters of the key, to tell keys apart in listings. */
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    revokedAt: ts("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.keyHash)],
);

export const programs = pgTable("programs", {
  merchantId: text("merchant_id")
    .primaryKey()
    .references(() => merchants.id),
  config: jsonb("config").$type<Record<string, unknown>>().notNull(),
  updatedAt: updatedAt(),
});

export const members = pgTable(
  "members",
  {
    ...merchantRefRow(),
    phone: text("phone"),
    /** Lower-cased and trimmed (src/members/email.ts), so equality is a case-insensitive match. */
    email: text("email"),
    externalId: text("external_id"),
    name: text("name"),
    birthday: date("birthday", { mode: "string" }),
    language: text("language").notNull().default("vi"),
    /** Σ ledger_entries.points for this member (spendable + pending). */
    pointsTotal: bigNumber("points_total").notNull().default(0),
    /** Store credit (cashback) in minor units: Σ credit_entries.amount. */
    creditBalance: bigNumber("credit_balance").notNull().default(0),
    tierName: text("tier_name"),
    /** When the member reached (or was last confirmed in) the current tier; downgrades wait a full window. */
    tierSince: ts("tier_since"),
    optedIn: boolean("opted_in").notNull().default(false),
    optedInAt: ts("opted_in_at"),
    /** Set when the member's identity was erased (src/privacy/member-data.ts); amounts and counts stay. */
    erasedAt: ts("erased_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("members_phone_uq").on(t.merchantId, t.phone),
    // Like the phone: NULLs are distinct, so only members with an email are unique per merchant.
    uniqueIndex("members_email_uq").on(t.merchantId, t.email),
    uniqueIndex("members_external_uq").on(t.merchantId, t.externalId),
    merchantCreatedIndex("members_merchant_idx", t),
  ],
);

export const orders = pgTable(
  "orders",
  {
    ...merchantRefRow(),
    externalId: text("external_id").notNull(),
    memberId: text("member_id").references(() => members.id),
    channel: text("channel").notNull().default("pos"),
    placedAt: ts("placed_at").notNull(),
    /** Σ (quantity × unitPrice − discount). */
    total: bigNumber("total").notNull(),
    refundedTotal: bigNumber("refunded_total").notNull().default(0),
    pointsEarned: bigNumber("points_earned").notNull().default(0),
    pointsReversed: bigNumber("points_reversed").notNull().default(0),
    creditEarned: bigNumber("credit_earned").notNull().default(0),
    creditReversed: bigNumber("credit_reversed").notNull().default(0),
    /** Canonical hash of the request content, to tell a replay from a conflicting re-use of the externalId. */
    contentHash: text("content_hash").notNull(),
    offerCodes: jsonb("offer_codes").$type<string[]>().notNull().default([]),
    /** The store (branch, POS terminal) it was placed at: a `stores` id of the same merchant, or null. */
    storeId: text("store_id"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("orders_external_uq").on(t.merchantId, t.externalId),
    // Store filters (segments, analytics): only orders placed at a store.
    index("orders_store_idx").on(t.merchantId, t.storeId, t.placedAt).where(sql`store_id is not null`),
    // Every per-member read (tier spend, member facts, segments, history, the member_stats trigger) names the
    // merchant (test/scaling/tenant-statements.pg.test.ts), so this one index serves them all; the narrower
    // (member_id, placed_at) went in 0048 — one index write per order less (docs/benchmarks.md, round 7).
    index("orders_member_idx").on(t.merchantId, t.memberId, t.placedAt),
    // Date-range scans (segments' recency, analytics windows): the extra key columns make them index-only.
    index("orders_placed_cover_idx").on(t.merchantId, t.placedAt, t.memberId, t.channel, t.total, t.refundedTotal),
  ],
);

export const orderItems = pgTable(
  "order_items",
  {
    id: serialId(),
    orderId: orderRef(),
    merchantId: merchantId(),
    lineNo: integer("line_no").notNull(),
    sku: text("sku").notNull(),
    name: text("name"),
    category: text("category"),
    quantity: integer("quantity").notNull(),
    unitPrice: bigNumber("unit_price").notNull(),
    discount: bigNumber("discount").notNull().default(0),
    refundedQuantity: integer("refunded_quantity").notNull().default(0),
  },
  (t) => [index("order_items_order_idx").on(t.orderId), index("order_items_sku_idx").on(t.merchantId, t.sku)],
);

export const refunds = pgTable(
  "refunds",
  {
    ...merchantRefRow(),
    orderId: orderRef(),
    externalId: text("external_id").notNull(),
    amount: bigNumber("amount").notNull(),
    pointsReversed: bigNumber("points_reversed").notNull(),
    items: jsonb("items").$type<{ sku: string; quantity: number }[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("refunds_external_uq").on(t.merchantId, t.externalId)],
);

export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    ...memberLogRow(),
    kind: text("kind").$type<LedgerKind>().notNull(),
    points: bigNumber("points").notNull(),
    orderId: text("order_id"),
    refundId: text("refund_id"),
    redemptionId: text("redemption_id"),
    lotId: bigNumber("lot_id"),
    reason: text("reason"),
    /** How the points were computed (base, multipliers, bonuses, tier) — answers "why did I get N points?". */
    breakdown: jsonb("breakdown").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    index("ledger_member_idx").on(t.memberId, t.id),
    // Entries are appended as they happen, so created_at follows the heap order: a BRIN index bounds the analytics
    // windows to their pages at next to no cost per write (a B-tree would add an index insert to every order).
    index("ledger_created_brin").using("brin", t.createdAt),
  ],
);

export type LedgerKind = "earn" | "redeem" | "refund" | "expire" | "adjust" | "bonus";

/** One lot per positive entry; spending and expiry consume lots oldest first (FIFO). */
export const pointLots = pgTable(
  "point_lots",
  {
    ...memberLogRow(),
    orderId: text("order_id"),
    points: bigNumber("points").notNull(),
    remaining: bigNumber("remaining").notNull(),
    earnedAt: ts("earned_at").notNull(),
    /** Pending until then (the return window). */
    availableAt: ts("available_at").notNull(),
    expiresAt: ts("expires_at"),
  },
  (t) => [
    index("lots_member_idx").on(t.memberId, t.id),
    index("lots_expiry_idx").on(t.merchantId, t.expiresAt).where(sql`remaining > 0`),
  ],
);

export const creditEntries = pgTable(
  "credit_entries",
  {
    ...memberLogRow(),
    kind: text("kind").$type<"cashback" | "refund" | "spend" | "adjust">().notNull(),
    amount: bigNumber("amount").notNull(),
    orderId: text("order_id"),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [index("credit_member_idx").on(t.memberId, t.id)],
);

export const rewards = pgTable(
  "rewards",
  {
    ...merchantRefRow(),
    name: text("name").notNull(),
    description: text("description"),
    cost: bigNumber("cost").notNull(),
    kind: text("kind").$type<"voucher" | "product" | "perk">().notNull(),
    value: bigNumber("value"),
    stock: integer("stock"),
    minTier: text("min_tier"),
    sku: text("sku"),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index("rewards_merchant_idx").on(t.merchantId)],
);

export const redemptions = pgTable(
  "redemptions",
  {
    ...merchantRefRow(),
    memberId: memberRef(),
    rewardId: text("reward_id")
      .notNull()
      .references(() => rewards.id),
    pointsSpent: bigNumber("points_spent").notNull(),
    code: text("code").notNull(),
    usedAt: ts("used_at"),
    /** Set when the redemption was cancelled: points returned, stock restored, the voucher no longer works. */
    cancelledAt: ts("cancelled_at"),
    expiresAt: ts("expires_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("redemptions_code_uq").on(t.code), index("redemptions_member_idx").on(t.memberId)],
);

/** Stored responses of idempotent writes, written in the same transaction as the effect. */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    merchantId: merchantId(),
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull().default(0),
    /** The response body as sent (text, not jsonb: a replay returns the very same bytes). */
    response: text("response"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.scope, t.key] })],
);

/** Paid membership plans recorded from POS (perks: an extra earn multiplier). */
export const subscriptions = pgTable(
  "subscriptions",
  {
    id: textId(),
    ...merchantMemberRef(),
    plan: text("plan").notNull(),
    startsAt: ts("starts_at").notNull(),
    endsAt: ts("ends_at").notNull(),
    pricePaid: bigNumber("price_paid").notNull(),
    externalId: text("external_id"),
    createdAt: createdAt(),
  },
  (t) => [
    index("subscriptions_member_idx").on(t.memberId, t.endsAt),
    uniqueIndex("subscriptions_external_uq").on(t.merchantId, t.externalId),
  ],
);

/** Product catalog, upserted from orders (names for recommendations) and editable by the merchant. */
export const products = pgTable(
  "products",
  {
    merchantId: merchantId(),
    sku: text("sku").notNull(),
    name: text("name"),
    category: text("category"),
    /** The list price (minor units): the merchant's (source "merchant"), else the first positive unit price an order showed. */
    price: bigNumber("price"),
    /** The unit price of the last order line seen: a fact about orders, never the list price. */
    lastSeenPrice: bigNumber("last_seen_price"),
    /** Gross margin, percent of the list price (0–100); null when the merchant has not said. */
    margin: integer("margin"),
    active: boolean("active").notNull().default(true),
    /** "merchant" once set through the catalog API/CSV (orders then never change name, category or price); else "order". */
    source: text("source").notNull().default("order"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.sku] })],
);

/** A member's chat identities (Telegram, Zalo, web simulator). */
export const channelIdentities = pgTable(
  "channel_identities",
  {
    ...memberLogRow(),
    ...chatUser(),
    chatId: text("chat_id").notNull(),
    linkedAt: ts("linked_at").notNull().defaultNow(),
    unreachableAt: ts("unreachable_at"),
  },
  (t) => [
    uniqueIndex("channel_identities_uq").on(t.merchantId, t.channel, t.userId),
    index("channel_identities_member_idx").on(t.memberId),
  ],
);

/** One-time codes a member types or opens as a deep link to link a chat. */
export const linkCodes = pgTable("link_codes", {
  code: text("code").primaryKey(),
  ...merchantMemberRef(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
  createdAt: createdAt(),
});

/** Staging for `orders import`: rows land here first so an order's rows may be anywhere in the file and memory stays flat. */
export const importRows = pgTable(
  "import_rows",
  {
    importId: text("import_id").notNull(),
    line: integer("line").notNull(),
    orderId: text("order_id").notNull(),
    sku: text("sku").notNull(),
    member: text("member"),
    placedAt: text("placed_at"),
    category: text("category"),
    name: text("name"),
    quantity: integer("quantity").notNull(),
    unitPrice: bigNumber("unit_price").notNull(),
    discount: bigNumber("discount").notNull().default(0),
    channel: text("channel"),
    /** The store's code (`stores.code`), resolved to its id when the order is posted. */
    store: text("store"),
    /** Why the row is malformed; its whole order is then rejected. */
    error: text("error"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.line] }), index("import_rows_order_idx").on(t.importId, t.orderId)],
);
