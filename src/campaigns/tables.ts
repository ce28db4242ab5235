/**
 * Tables of campaigns and promotional delivery (drizzle-kit picks up `src/*\/tables.ts`):
 * campaigns, the delivery queue shared by campaigns and journeys, the promotional send log behind the frequency
 * cap, and per-channel sender leases (one process paces a bot at a time).
 */
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import {
  ts,
  createdAt,
  timestamps,
  memberId,
  merchantRow,
  merchantLog,
  merchantCreatedIndex,
  bigNumber,
  merchantMember,
  serialId,
  chatAddress,
  counter,
} from "../db/columns.ts";

export interface MessageTemplates {
  vi?: string;
  en?: string;
}

export interface QuietHours {
  /** Local "HH:MM" in the merchant's time zone; nothing promotional is sent from start until end. */
  start: string;
  end: string;
}

export interface ZnsOffer {
  code?: string;
  /** YYYY-MM-DD */
  expiresOn?: string;
}

/** Buttons per language carried by a queued message (surveys: the first question's answers). */
export type ButtonsByLang = Partial<Record<"vi" | "en", { label: string; data: string }[][]>>;

/** What a delivery row carries beyond its campaign's: journey step templates, or a survey's rendered question. */
export type DeliveryMessage = MessageTemplates & {
  offerId?: string;
  znsTemplateId?: string;
  znsOffer?: ZnsOffer;
  /** Replace the promotional buttons (claim / stop) with these. */
  buttons?: ButtonsByLang;
  /** Numbered-choice channels remember the buttons this long (OutgoingMessage.choices). */
  choicesTtlMs?: number;
};

/**
 * The budget check of a scheduled pass that sends (a journey pass, a survey's after-order pass; docs/budget.md):
 * within budget, over it (warned), or skipped.
 */
export interface PassBudgetCheck {
  at: string;
  outcome: "within" | "warned" | "skipped";
  detail?: string;
  over?: ("points" | "spend")[];
  cost?: number;
}

export type CampaignStatus = "draft" | "scheduled" | "sending" | "done" | "cancelled";

export const campaigns = pgTable(
  "campaigns",
  {
    ...merchantRow(),
    name: text("name").notNull(),
    segmentId: text("segment_id").notNull(),
    message: jsonb("message").$type<MessageTemplates>().notNull(),
    offerId: text("offer_id"),
    sendAt: ts("send_at"),
    /** Control group share in basis points (0–5000 = 0–50 %). */
    controlBasisPoints: integer("control_bp").notNull().default(0),
    /** Overrides the merchant's quiet hours for this campaign; null = the merchant's setting. */
    quietHours: jsonb("quiet_hours").$type<QuietHours | null>(),
    attributionDays: integer("attribution_days").notNull().default(7),
    /** Channel choice per member: auto (chat, else ZNS, else skipped), chat, zns (src/campaigns/routing.ts). */
    channel: text("channel").$type<"auto" | "chat" | "zns">().notNull().default("auto"),
    /** The merchant's registered ZNS template (Zalo's id) for members reached by ZNS; null = no ZNS. */
    znsTemplateId: text("zns_template_id"),
    /** The offer facts ZNS templates may show (a shared code and its expiry date). */
    znsOffer: jsonb("zns_offer").$type<ZnsOffer | null>(),
    status: text("status").$type<CampaignStatus>().notNull(),
    /** Fixed when sending starts. */
    recipients: integer("recipients"),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    createdAt: createdAt(),
  },
  (t) => [merchantCreatedIndex("campaigns_merchant_idx", t), index("campaigns_due_idx").on(t.status, t.sendAt)],
);

/**
 * Delivery states:
 *   queued → claimed (leased by a worker, cap/opt-out checked, text rendered) → sending (the API call may be under
 *   way) → sent | failed | blocked
 *   queued → opted_out | skipped_cap | stale (journey: the member ordered again) at claim time
 *   snapshot: control | opted_out | blocked | queued | skipped (no channel: `error` holds the reason, channel
 *   `none`; not a recipient)
 *   claimed with an expired lease → queued again (never attempted);
 *   sending with an expired lease → unknown (the call may or may not have gone out: never resent; counted failed).
 */
export type DeliveryStatus =
  | "queued"
  | "claimed"
  | "sending"
  | "sent"
  | "failed"
  | "blocked"
  | "unknown"
  | "opted_out"
  | "skipped_cap"
  | "control"
  | "stale"
  | "skipped";

export const deliveries = pgTable(
  "deliveries",
  {
    ...merchantLog(),
    source: text("source").$type<"campaign" | "journey" | "survey">().notNull(),
    /**
     * The campaign id, a journey entry `reactivation:<step>:<entryOrderId>`, or `survey:<surveyId>`: one message per
     * key and member, ever.
     */
    sourceKey: text("source_key").notNull(),
    campaignId: text("campaign_id"),
    journeyStep: integer("journey_step"),
    /** Journeys: the member's last order when they entered the step's window. */
    entryOrderId: text("entry_order_id"),
    memberId: memberId(),
    ...chatAddress(),
    identityId: bigNumber("identity_id"),
    status: text("status").$type<DeliveryStatus>().notNull(),
    /** Journey steps carry their templates; campaign rows use the campaign's. */
    message: jsonb("message").$type<DeliveryMessage>(),
    /** The rendered text (set when claimed). */
    text: text("text"),
    attempts: counter("attempts"),
    notBefore: ts("not_before").notNull(),
    leaseUntil: ts("lease_until"),
    worker: text("worker"),
    sentAt: ts("sent_at"),
    messageId: text("message_id"),
    error: text("error"),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("deliveries_source_member_uq").on(t.merchantId, t.sourceKey, t.memberId),
    index("deliveries_queue_idx").on(t.channel, t.notBefore, t.id).where(sql`status = 'queued'`),
    index("deliveries_lease_idx").on(t.leaseUntil).where(sql`status in ('claimed', 'sending')`),
    index("deliveries_campaign_idx").on(t.campaignId, t.status),
    index("deliveries_journey_idx").on(t.merchantId, t.source, t.journeyStep),
  ],
);

/**
 * Every promotional push to a member (campaign message, journey step, proactive offer), for the frequency cap.
 * Rows are written when a push is about to go out and removed again when it certainly did not.
 */
export const promoSends = pgTable(
  "promo_sends",
  {
    id: serialId(),
    ...merchantMember(),
    kind: text("kind").$type<"campaign" | "journey" | "offer" | "survey">().notNull(),
    /** Campaign id, journey key, offer id… */
    ref: text("ref"),
    deliveryId: bigNumber("delivery_id"),
    sentAt: ts("sent_at").notNull(),
  },
  (t) => [index("promo_sends_member_idx").on(t.memberId, t.sentAt), index("promo_sends_delivery_idx").on(t.deliveryId)],
);

/** Which worker paces a channel's broadcasts (so replicas never add up to more than the bot's rate). */
export const deliveryLeases = pgTable("delivery_leases", {
  channel: text("channel").primaryKey(),
  worker: text("worker").notNull(),
  leaseUntil: ts("lease_until").notNull(),
});
