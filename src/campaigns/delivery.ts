/**
 * The promotional delivery queue (campaign messages and journey steps), runtime-neutral.
 *
 * Claiming: a worker takes due rows with `SELECT … FOR UPDATE SKIP LOCKED` and, in the same transaction and under a
 * per-member advisory lock, re-checks consent, reachability, staleness (journeys) and the frequency cap, renders the
 * text, reserves the cap slot (a `promo_sends` row) and leases the rows to itself (`claimed`, `lease_until`).
 *
 * Sending (at most once): each claimed row waits for the channel's pacer and send window, is marked `sending` (a
 * committed UPDATE) and only then is the platform called; the outcome is written right after. Marks and outcomes of
 * concurrent sends share one statement (see state-writer.ts): a mark still commits before its call. If the process
 * dies:
 *   - `claimed` rows whose lease expired were never attempted → back to `queued` (their cap slot is released);
 *   - `sending` rows whose lease expired may or may not have reached the platform → `unknown`, never resent
 *     (counted as failed). We prefer a rare lost message to a duplicate promotion.
 * A 429 means the message was not delivered: the whole channel pauses for retry_after and the same message is
 * retried. A `failed` result (5xx, network) is retried with backoff up to `maxAttempts`; 403 → `blocked` and the
 * chat is marked unreachable. Our own send timeout is ambiguous → `unknown`.
 *
 * Pacing is per channel (one bot per channel): the pacer spaces sends evenly a little under RATE (no bursts, no
 * catch-up, ≤ 1 per second per chat), and the send window (send-window.ts) makes sure no sliding second can hold
 * more than RATE of them as the platform stamps them, however late they arrive. A channel lease row makes sure only
 * one process paces a channel at a time.
 */
import { z } from "zod";
import { metrics } from "../lib/metrics.ts";
import { sql } from "drizzle-orm";
import type { Db } from "../db/types.ts";
import type {
  DeliveryChannel as ChannelName,
  ChannelSender,
  ChannelSenders,
  OutgoingMessage,
  SendResult,
} from "../channels/channel.ts";
import { createPacer, defaultSleep, type Pacer } from "../channels/rate-limiter.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { silentLogger } from "../lib/log.ts";
import { newId } from "../lib/ids.ts";
import { spendable } from "../ledger/ledger.ts";
import { getProgram } from "../program/service.ts";
import { qualifyingTier } from "../program/tiers.ts";
import { execCount, num, queryRows, col } from "../db/rows.ts";
import { capAllows, DAY_MS, type PromoKind } from "./promo.ts";
import { parseMessagingSettings, quietHoursEnd } from "./settings.ts";
import { promoButtons, renderMessage } from "./render.ts";
import { SendWindow, type SendSlot } from "./send-window.ts";
import { StateWriter } from "./state-writer.ts";
import type { DeliveryMessage, DeliveryStatus, MessageTemplates, QuietHours, ZnsOffer } from "./tables.ts";
import { znsDays } from "../zns/quota.ts";
import { renderZnsData } from "../zns/render.ts";
import type { ZnsParamSource } from "../zns/tables.ts";

export interface DeliveryEvent {
  type: "sent" | "failed" | "blocked" | "unknown" | "rate-limited" | "retry" | "skipped";
  channel: ChannelName;
  deliveryId: number;
  campaignId: string | null;
  status?: DeliveryStatus;
  retryAfterSeconds?: number;
}

export interface DeliveryOptions {
  db: Db;
  senders: ChannelSenders;
  clock: Clock;
  logger?: Logger;
  /** Identifies this process's leases (default: random). */
  workerId?: string;
  /** How long a claim/send lease lives without renewal; a dead worker's rows are recovered after it (default 60 s). */
  leaseMs?: number;
  /** A platform call taking longer is abandoned and its row marked `unknown` (default 30 s). */
  sendTimeoutMs?: number;
  /** Attempts for `failed` results (5xx, network) before the row is `failed` for good (default 3). */
  maxAttempts?: number;
  /** Backoff before retry n (1-based) of a failed send (default 2 s, 10 s, 30 s…). */
  backoffMs?: (attempt: number) => number;
  /** Pacers per channel, kept across batches (created from each sender's broadcastRate when missing). */
  pacers?: Map<ChannelName, Pacer>;
  /** Rows claimed per round trip (default: 2 seconds of sending at the channel's rate, 5–500). */
  claimSize?: number;
  /** Sends in progress at once per channel, from the `sending` mark to the written outcome (default 64). */
  sendConcurrency?: number;
  onEvent?: (e: DeliveryEvent) => void;
}

export interface DeliveryStats {
  claimed: number;
  sent: number;
  failed: number;
  blocked: number;
  unknown: number;
  skipped: number;
  rateLimited: number;
  retried: number;
}

const emptyStats = (): DeliveryStats => ({
  claimed: 0,
  sent: 0,
  failed: 0,
  blocked: 0,
  unknown: 0,
  skipped: 0,
  rateLimited: 0,
  retried: 0,
});

export const PENDING_STATUSES = ["queued", "claimed", "sending"] as const;

const iso = (d: Date) => d.toISOString();

interface ClaimedRow {
  id: number;
  merchantId: string;
  memberId: string;
  campaignId: string | null;
  channel: ChannelName;
  chatId: string;
  identityId: number | null;
  message: OutgoingMessage;
  attempts: number;
}

/**
 * The pacer runs at this share of RATE: it spaces sends evenly, while the send window (which alone guarantees that
 * no platform second holds more than RATE) rarely has to hold one back. 0.985 × 30/s = one send per 33.8 ms.
 */
export const PACER_SHARE = 0.985;

function unrefTimer(t: ReturnType<typeof setTimeout>): void {
  (t as { unref?: () => void }).unref?.();
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export class DeliveryEngine {
  readonly db: Db;
  readonly senders: ChannelSenders;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly sendTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: (attempt: number) => number;
  readonly pacers: Map<ChannelName, Pacer>;
  readonly windows = new Map<ChannelName, SendWindow>();
  readonly claimSize: number | undefined;
  readonly sendConcurrency: number;
  readonly writer: StateWriter;
  readonly onEvent: ((e: DeliveryEvent) => void) | undefined;
  readonly stats: DeliveryStats = emptyStats();
  /** Rows this process holds (claimed or sending), for lease renewal and release on stop. */
  readonly held = new Set<number>();
  /** Campaigns with settled deliveries since the last done-check. */
  readonly touched = new Set<string>();
  /** Per channel: no send may start before this (performance.now() ms) — set by a 429. */
  readonly pausedUntil = new Map<ChannelName, number>();

  constructor(o: DeliveryOptions) {
    this.db = o.db;
    this.senders = o.senders;
    this.clock = o.clock;
    this.logger = o.logger ?? silentLogger;
    this.workerId = o.workerId ?? newId("wrk");
    this.leaseMs = o.leaseMs ?? 60_000;
    this.sendTimeoutMs = o.sendTimeoutMs ?? 30_000;
    this.maxAttempts = o.maxAttempts ?? 3;
    this.backoffMs = o.backoffMs ?? ((n) => [2_000, 10_000, 30_000][n - 1] ?? 60_000);
    this.pacers = o.pacers ?? new Map();
    this.claimSize = o.claimSize;
    this.sendConcurrency = Math.max(1, o.sendConcurrency ?? 64);
    this.onEvent = o.onEvent;
    this.writer = new StateWriter({
      db: this.db,
      workerId: this.workerId,
      leaseMs: this.leaseMs,
      logger: this.logger,
      now: () => this.clock.now(),
    });
  }

  channels(): ChannelName[] {
    return (Object.keys(this.senders) as ChannelName[]).filter((c) => this.senders[c]);
  }

  pacer(channel: ChannelName): Pacer {
    let p = this.pacers.get(channel);
    if (!p) {
      const rate = this.senders[channel]!.broadcastRate;
      // A fractional clock: the pacer grants on its exact grid instead of whole milliseconds (which would also cap
      // it at one grant per ms). No catch-up (the contract: at least 1000/RATE ms apart, no bursts): a timer that
      // fires late lowers the rate a little, never the gap.
      p = createPacer({ ratePerSecond: rate * PACER_SHARE, perChatIntervalMs: 1000, now: () => performance.now() });
      this.pacers.set(channel, p);
    }
    return p;
  }

  /** The channel's send window: RATE per sliding second across the bot, one per chat (the platform's rule). */
  window(channel: ChannelName): SendWindow {
    let w = this.windows.get(channel);
    if (!w) {
      w = new SendWindow({ limit: this.senders[channel]!.broadcastRate, perChat: 1 });
      this.windows.set(channel, w);
    }
    return w;
  }

  defaultClaimSize(channel: ChannelName): number {
    if (this.claimSize) return this.claimSize;
    return Math.max(5, Math.min(500, Math.ceil(this.senders[channel]!.broadcastRate * 2)));
  }

  // ---- channel lease ----------------------------------------------------------------------------------------

  /** Takes or renews this worker's lease on a channel; false while another live worker holds it. */
  async acquireChannel(channel: ChannelName): Promise<boolean> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + this.leaseMs);
    const rows = await queryRows(
      this.db,
      sql`insert into delivery_leases (channel, worker, lease_until) values (${channel}, ${this.workerId}, ${iso(until)}::timestamptz)
          on conflict (channel) do update set worker = excluded.worker, lease_until = excluded.lease_until
          where delivery_leases.worker = excluded.worker or delivery_leases.lease_until < ${iso(now)}::timestamptz
          returning worker`,
      z.object({ worker: z.string() }),
    );
    return rows.length > 0;
  }

  async releaseChannel(channel: ChannelName): Promise<void> {
    await this.db.execute(sql`delete from delivery_leases where channel = ${channel} and worker = ${this.workerId}`);
  }

  // ---- recovery -------------------------------------------------------------------------------------------------

  /**
   * Recovers rows of dead workers: expired `claimed` → `queued` (cap slot released), expired `sending` → `unknown`;
   * then closes campaigns with nothing left to send. Safe to run from any process at any time.
   */
  async sweep(): Promise<{ requeued: number; unknown: number; done: number }> {
    const now = this.clock.now();
    const requeued = await queryRows(
      this.db,
      sql`update deliveries set status = 'queued', worker = null, lease_until = null, text = null, updated_at = ${iso(now)}::timestamptz
          where status = 'claimed' and lease_until < ${iso(now)}::timestamptz returning id`,
      z.object({ id: col.num }),
    );
    if (requeued.length > 0) {
      await this.db.execute(
        sql`delete from promo_sends where delivery_id in (${sql.join(
          requeued.map((r) => sql`${num(r.id)}::bigint`),
          sql`, `,
        )})`,
      );
    }
    const unknown = await queryRows(
      this.db,
      sql`update deliveries set status = 'unknown', lease_until = null, error = 'lease expired during the send: the message may or may not have gone out (not resent)', updated_at = ${iso(now)}::timestamptz
          where status = 'sending' and lease_until < ${iso(now)}::timestamptz returning id`,
      z.object({ id: col.num }),
    );
    if (unknown.length > 0)
      this.logger.warn("deliveries with an unknown outcome (worker died mid-send)", { count: unknown.length });
    const done = await finishDoneCampaigns(this.db, now);
    return { requeued: requeued.length, unknown: unknown.length, done };
  }

  /** Renews the leases of every row this process holds (and of its channels). */
  async renewLeases(): Promise<void> {
    // Only rows this process really holds (in memory), in id order, serialised with the state writes: a row whose
    // outcome could not be written is not kept alive forever, and two multi-row UPDATEs never deadlock.
    await this.writer.run(async () => {
      const ids = [...this.held].sort((a, b) => a - b);
      if (ids.length === 0) return;
      const now = this.clock.now();
      await this.db.execute(
        sql`update deliveries set lease_until = ${iso(new Date(now.getTime() + this.leaseMs))}::timestamptz
            where id in (${sql.join(
              ids.map((id) => sql`${id}::bigint`),
              sql`, `,
            )}) and worker = ${this.workerId} and status in ('claimed', 'sending')`,
      );
    });
  }

  /** Gives rows claimed but not yet attempted back to the queue at once (graceful stop). */
  async releaseClaimed(): Promise<void> {
    const now = this.clock.now();
    const rows = await queryRows(
      this.db,
      sql`update deliveries set status = 'queued', worker = null, lease_until = null, text = null, updated_at = ${iso(now)}::timestamptz
          where worker = ${this.workerId} and status = 'claimed' returning id`,
      z.object({ id: col.num }),
    );
    if (rows.length > 0)
      await this.db.execute(
        sql`delete from promo_sends where delivery_id in (${sql.join(
          rows.map((r) => sql`${num(r.id)}::bigint`),
          sql`, `,
        )})`,
      );
  }

  /** Fails queued rows of channels no process can send on (no sender configured), so campaigns still finish. */
  async failUnroutable(): Promise<number> {
    const channels = this.channels();
    const now = this.clock.now();
    const notIn = channels.length
      ? sql`and channel not in (${sql.join(
          channels.map((c) => sql`${c}`),
          sql`, `,
        )})`
      : sql``;
    const n = await execCount(
      this.db,
      sql`update deliveries set status = 'failed', error = 'no sender is configured for this channel', updated_at = ${iso(now)}::timestamptz
          where status = 'queued' ${notIn}`,
    );
    if (n > 0) await finishDoneCampaigns(this.db, now);
    return n;
  }

  // ---- claiming ----------------------------------------------------------------------------------------------

  async claim(channel: ChannelName, limit: number): Promise<ClaimedRow[]> {
    if (limit <= 0) return [];
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const claimed: ClaimedRow[] = [];
    const finals: { id: number; campaignId: string | null; status: DeliveryStatus }[] = [];
    await this.db.transaction(async (tx) => {
      const picked = await queryRows(
        tx,
        sql`select id from deliveries where status = 'queued' and channel = ${channel} and not_before <= ${iso(now)}::timestamptz
            order by not_before, id limit ${sql.raw(String(Math.floor(limit)))} for update skip locked`,
        z.object({ id: col.num }),
      );
      if (picked.length === 0) return;
      const ids = picked.map((r) => num(r.id));
      const idList = sql.join(
        ids.map((id) => sql`${id}::bigint`),
        sql`, `,
      );
      const rows = await queryRows(
        tx,
        sql`select d.id, d.merchant_id, d.member_id, d.source, d.campaign_id, d.entry_order_id, d.chat_id, d.identity_id, d.attempts,
                   d.message as d_message, c.message as c_message, c.offer_id as c_offer_id, c.quiet_hours as c_quiet,
                   mer.timezone, mer.settings, mer.name as merchant_name, m.name, m.language, m.opted_in, m.points_total, m.tier_name,
                   c.zns_offer as c_zns_offer, c.zns_template_id as c_zns_template_id, zt.params as zns_params,
                   (select f.pending from cl_member_facts(d.merchant_id, d.member_id, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz,
                     ${iso(now)}::timestamptz) f) as pending,
                   ci.unreachable_at,
                   case when d.source = 'journey' then (select o.id from orders o where o.merchant_id = d.merchant_id and o.member_id = d.member_id and o.placed_at <= ${iso(now)}::timestamptz
                     order by o.placed_at desc, o.id desc limit 1) end as last_order_id
            from deliveries d
            join members m on m.id = d.member_id
            join merchants mer on mer.id = d.merchant_id
            left join campaigns c on c.id = d.campaign_id
            left join channel_identities ci on ci.id = d.identity_id
            left join zns_templates zt on d.channel = 'zns' and zt.merchant_id = d.merchant_id
              and zt.template_id = coalesce(d.message->>'znsTemplateId', c.zns_template_id)
            where d.id in (${idList})
            order by d.not_before, d.id`,
        z.record(z.string(), z.unknown()),
      );
      // Per-member advisory locks (sorted: no deadlocks), then the cap counts under them.
      const memberIds = [...new Set(rows.map((r) => String(r.member_id)))].sort();
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(s.x, 4242)) from (select x from (values ${sql.join(
          memberIds.map((m) => sql`(${m}::text)`),
          sql`, `,
        )}) v(x) order by x) s`,
      );
      const counts = await queryRows(
        tx,
        sql`select member_id, count(*) filter (where sent_at > ${iso(new Date(now.getTime() - DAY_MS))}::timestamptz) as day, count(*) as week
            from promo_sends where member_id in (${sql.join(
              memberIds.map((m) => sql`${m}`),
              sql`, `,
            )})
              and sent_at > ${iso(new Date(now.getTime() - 7 * DAY_MS))}::timestamptz and sent_at <= ${iso(now)}::timestamptz
            group by member_id`,
        z.object({ member_id: z.string(), day: col.num, week: col.num }),
      );
      const byMember = new Map(counts.map((c) => [c.member_id, { day: num(c.day), week: num(c.week) }]));
      const defaultTiers = new Map<string, string | null>();
      // Once per merchant (and quiet-hours setting) per claim, not per row: settings parsing and time-zone maths.
      const settingsOf = new Map<string, ReturnType<typeof parseMessagingSettings>>();
      const resumeOf = new Map<string, Date | null>();
      const updates: { id: number; status: DeliveryStatus; text: string | null; notBefore: Date | null }[] = [];
      // ZNS: each merchant's own daily quota (the rest waits for the next local day).
      const znsDay =
        channel === "zns" ? await znsDays(tx, [...new Set(rows.map((r) => String(r.merchant_id)))], now) : undefined;
      const promos: {
        merchantId: string;
        memberId: string;
        kind: PromoKind;
        ref: string | null;
        deliveryId: number;
      }[] = [];
      for (const r of rows) {
        const id = num(r.id);
        const merchantId = String(r.merchant_id);
        const memberId = String(r.member_id);
        const campaignId = (r.campaign_id as string | null) ?? null;
        let settings = settingsOf.get(merchantId);
        if (!settings)
          settingsOf.set(
            merchantId,
            (settings = parseMessagingSettings((r.settings as Record<string, unknown> | null) ?? {})),
          );
        const quiet = (r.c_quiet as QuietHours | null) ?? settings.quietHours;
        const tz = String(r.timezone ?? "Asia/Ho_Chi_Minh");
        const quietKey = quiet ? `${tz} ${quiet.start} ${quiet.end}` : "";
        let resumeAt = resumeOf.get(quietKey);
        if (resumeAt === undefined) resumeOf.set(quietKey, (resumeAt = quietHoursEnd(now, tz, quiet)));
        if (resumeAt) {
          updates.push({ id, status: "queued", text: null, notBefore: resumeAt });
          continue;
        }
        const final = (status: DeliveryStatus) => {
          updates.push({ id, status, text: null, notBefore: null });
          finals.push({ id, campaignId, status });
        };
        if (!r.opted_in) {
          final("opted_out");
          continue;
        }
        if (r.unreachable_at) {
          final("blocked");
          continue;
        }
        if (r.source === "journey" && (r.entry_order_id ?? null) !== (r.last_order_id ?? null)) {
          final("stale"); // the member ordered again since entering the step: nothing after buying again
          continue;
        }
        const zday = znsDay?.get(merchantId);
        if (zday && zday.settings.dailyQuota !== null && zday.used >= zday.settings.dailyQuota) {
          updates.push({ id, status: "queued", text: null, notBefore: zday.nextDay });
          continue;
        }
        if (channel === "zns" && !r.zns_params) {
          final("failed"); // the ZNS template was removed from the registry after the campaign was made
          continue;
        }
        const c = byMember.get(memberId) ?? { day: 0, week: 0 };
        if (!capAllows(c, settings.frequencyCap)) {
          final("skipped_cap");
          continue;
        }
        c.day++;
        c.week++;
        byMember.set(memberId, c);
        if (!defaultTiers.has(merchantId))
          defaultTiers.set(merchantId, qualifyingTier(await getProgram(tx, merchantId), 0)?.name ?? null);
        const templates = ((r.d_message as MessageTemplates | null) ??
          (r.c_message as MessageTemplates | null) ??
          {}) as DeliveryMessage;
        const offerId = templates.offerId ?? (r.c_offer_id as string | null) ?? null;
        const pointsTotal = num(r.points_total);
        const facts = {
          name: (r.name as string | null) ?? null,
          language: (r.language as string | null) ?? "vi",
          points: spendable(pointsTotal, num(r.pending)).balance,
          tier: (r.tier_name as string | null) ?? defaultTiers.get(merchantId) ?? null,
        };
        let message: OutgoingMessage;
        if (zday) {
          zday.used++;
          const offer = (templates.znsOffer ?? (r.c_zns_offer as ZnsOffer | null) ?? {}) as ZnsOffer;
          const data = renderZnsData(r.zns_params as Record<string, ZnsParamSource>, {
            ...facts,
            phone: String(r.chat_id),
            merchantName: String(r.merchant_name ?? ""),
            offerCode: offer.code,
            offerExpiry: offer.expiresOn,
          });
          const templateId = templates.znsTemplateId ?? String(r.c_zns_template_id ?? "");
          message = {
            text: JSON.stringify(data),
            template: {
              templateId,
              data,
              trackingId: String(id),
              ...(zday.settings.mode === "development" ? { mode: "development" as const } : {}),
            },
          };
        } else {
          const { text, lang } = renderMessage(templates, facts);
          message = { text, buttons: templates.buttons?.[lang] ?? promoButtons(lang, offerId) };
          if (templates.choicesTtlMs) message.choices = { lang, ttlMs: templates.choicesTtlMs };
        }
        updates.push({ id, status: "claimed", text: message.text, notBefore: null });
        promos.push({
          merchantId,
          memberId,
          kind: r.source === "journey" || r.source === "survey" ? r.source : "campaign",
          ref: campaignId ?? null,
          deliveryId: id,
        });
        claimed.push({
          id,
          merchantId,
          memberId,
          campaignId,
          channel,
          chatId: String(r.chat_id),
          identityId: r.identity_id === null || r.identity_id === undefined ? null : num(r.identity_id),
          message,
          attempts: num(r.attempts),
        });
      }
      if (promos.length > 0) {
        await tx.execute(
          sql`insert into promo_sends (merchant_id, member_id, kind, ref, delivery_id, sent_at) values ${sql.join(
            promos.map(
              (p) =>
                sql`(${p.merchantId}, ${p.memberId}, ${p.kind}, ${p.ref}, ${p.deliveryId}::bigint, ${iso(now)}::timestamptz)`,
            ),
            sql`, `,
          )}`,
        );
      }
      // The claim commits without waiting for the WAL flush (set_config below): if a database crash loses it, its
      // rows are simply queued again; and a row's `sending` mark, flushed before its call, flushes the claim too.
      if (updates.length > 0) {
        await tx.execute(
          sql`update deliveries d set status = v.status, text = v.text,
                not_before = coalesce(v.nb::timestamptz, d.not_before),
                worker = case when v.status = 'claimed' then ${this.workerId} else d.worker end,
                lease_until = case when v.status = 'claimed' then ${iso(leaseUntil)}::timestamptz else null end,
                updated_at = ${iso(now)}::timestamptz
              from (values ${sql.join(
                updates.map(
                  (u) =>
                    sql`(${u.id}::bigint, ${u.status}::text, ${u.text}::text, ${u.notBefore ? iso(u.notBefore) : null}::text)`,
                ),
                sql`, `,
              )}) as v(id, status, text, nb), (select set_config('synchronous_commit', 'off', true)) as async_commit
              where d.id = v.id`,
        );
      }
    });
    for (const c of claimed) this.held.add(c.id);
    this.stats.claimed += claimed.length;
    for (const f of finals) {
      this.stats.skipped++;
      this.onEvent?.({ type: "skipped", channel, deliveryId: f.id, campaignId: f.campaignId, status: f.status });
    }
    if (finals.length > 0)
      await finishDoneCampaigns(this.db, now, [
        ...new Set(finals.map((f) => f.campaignId).filter((x): x is string => !!x)),
      ]);
    return claimed;
  }

  // ---- sending -----------------------------------------------------------------------------------------------

  /**
   * Records a send's outcome (batched with other writes; the row is already `sending`, so a crash before the write
   * leaves it `unknown`, never resent). Not awaited by `deliver`: the next call need not wait for this write;
   * `runChannel` drains the writer before it returns.
   */
  private async finish(
    row: ClaimedRow,
    status: DeliveryStatus,
    fields: { messageId?: string | undefined; error?: string | undefined; notBefore?: Date } = {},
  ): Promise<void> {
    await this.writer.write({
      op: "final",
      id: row.id,
      at: this.clock.now(),
      status,
      ...fields,
      identityId: row.identityId,
    });
    this.held.delete(row.id);
    if (status !== "queued" && row.campaignId) this.touched.add(row.campaignId);
  }

  /** Closes touched campaigns that have nothing left to send (batched: not one query per message). */
  async flushDone(): Promise<void> {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    await finishDoneCampaigns(this.db, this.clock.now(), ids);
  }

  /** Sends one claimed row: pacer → send window → mark sending → call → record. Retries 429s in place. */
  async deliver(row: ClaimedRow, signal?: AbortSignal): Promise<void> {
    const sender = this.senders[row.channel] as ChannelSender;
    const pacer = this.pacer(row.channel);
    const window = this.window(row.channel);
    let attempts = row.attempts;
    for (;;) {
      let slot: SendSlot;
      try {
        await pacer.acquire(row.chatId, signal ? { signal } : {});
        slot = await window.acquire(row.chatId, signal);
      } catch {
        return; // stopping: the row stays claimed and is handed back by releaseClaimed()
      }
      if (!(await this.writer.write({ op: "sending", id: row.id, at: this.clock.now() }))) {
        slot.cancel();
        this.held.delete(row.id); // our lease was taken over (someone else owns the row now), or the mark failed
        return;
      }
      // Marks commit in groups, so rows granted apart can be marked together: their requests still leave apart.
      await pacer.startCall();
      if ((this.pausedUntil.get(row.channel) ?? 0) > performance.now()) {
        // A 429 arrived while this row was being marked: the bot sends nothing until the pause ends.
        slot.cancel();
        if (!(await this.writer.write({ op: "claimed", id: row.id, at: this.clock.now() }))) {
          this.held.delete(row.id);
          return;
        }
        continue;
      }
      attempts++;
      slot.start();
      let result: SendResult | "timeout";
      try {
        const call = sender.send(row.merchantId, row.chatId, row.message, { noRetry: true });
        // The slot frees one window after the call really settled (a timed-out request may still arrive).
        void call.then(
          () => slot.end(),
          () => slot.end(),
        );
        result = await withTimeout(call, this.sendTimeoutMs);
        if (result === "timeout") unrefTimer(setTimeout(() => slot.end(), this.sendTimeoutMs));
      } catch (err) {
        slot.end();
        result = { ok: false, reason: "failed", error: err instanceof Error ? err.message : String(err) };
      }
      const ev = (type: DeliveryEvent["type"], extra: Partial<DeliveryEvent> = {}) => {
        metrics.deliveries.inc({ channel: row.channel, outcome: type });
        this.onEvent?.({ type, channel: row.channel, deliveryId: row.id, campaignId: row.campaignId, ...extra });
      };
      if (result === "timeout") {
        void this.finish(row, "unknown", {
          error: `no answer within ${this.sendTimeoutMs} ms: the message may or may not have gone out (not resent)`,
        });
        this.stats.unknown++;
        ev("unknown");
        return;
      }
      if (result.ok) {
        void this.finish(row, "sent", { messageId: result.messageId });
        this.stats.sent++;
        ev("sent");
        return;
      }
      if (result.reason === "rate-limited") {
        const seconds = Math.max(1, result.retryAfterSeconds ?? 1);
        pacer.pauseFor(seconds * 1000);
        this.pausedUntil.set(
          row.channel,
          Math.max(this.pausedUntil.get(row.channel) ?? 0, performance.now() + seconds * 1000),
        );
        this.stats.rateLimited++;
        ev("rate-limited", { retryAfterSeconds: seconds });
        if (!(await this.writer.write({ op: "claimed", id: row.id, at: this.clock.now() }))) {
          this.held.delete(row.id);
          return;
        }
        continue; // the same message, once the bot may send again
      }
      if (result.reason === "blocked") {
        void this.finish(row, "blocked", { error: result.error });
        this.stats.blocked++;
        ev("blocked");
        return;
      }
      if (attempts < this.maxAttempts && !result.permanent) {
        void this.finish(row, "queued", {
          error: result.error,
          notBefore: new Date(this.clock.now().getTime() + this.backoffMs(attempts)),
        });
        this.stats.retried++;
        ev("retry");
        return;
      }
      void this.finish(row, "failed", { error: result.error });
      this.stats.failed++;
      ev("failed");
      return;
    }
  }

  /**
   * Runs one channel: claims and sends until `shouldStop()` or, when `untilEmpty`, until nothing is due.
   * `idle()` is awaited when the queue is empty (the Node worker waits for a wake-up there).
   */
  async runChannel(
    channel: ChannelName,
    opts: { shouldStop: () => boolean; untilEmpty?: boolean; idle?: () => Promise<void>; signal?: AbortSignal },
  ): Promise<void> {
    const inflight = new Set<Promise<void>>();
    /** Claimed rows not started yet (at most `sendConcurrency` deliveries run at once). */
    const ready: ClaimedRow[] = [];
    const size = this.defaultClaimSize(channel);
    // One waiter for "a delivery finished" instead of racing every in-flight promise on each turn.
    let wake: () => void = () => {};
    let lastLease = 0;
    let lastFlush = Date.now();
    let lastEmptyClaim = 0;
    let haveLease = false;
    const start = (row: ClaimedRow) => {
      const p: Promise<void> = this.deliver(row, opts.signal)
        .catch((err: unknown) =>
          this.logger.error("delivery failed unexpectedly", {
            deliveryId: row.id,
            error: err instanceof Error ? err.message : String(err),
          }),
        )
        .finally(() => {
          inflight.delete(p);
          const next = opts.shouldStop() ? undefined : ready.shift();
          if (next) start(next);
          wake();
        });
      inflight.add(p);
    };
    try {
      while (!opts.shouldStop()) {
        if (!haveLease || Date.now() - lastLease > this.leaseMs / 3) {
          haveLease = await this.acquireChannel(channel);
          lastLease = Date.now();
          if (haveLease && this.held.size > 0) await this.renewLeases();
          if (!haveLease) {
            if (opts.untilEmpty) return;
            await (opts.idle ? opts.idle() : defaultSleep(Math.min(5000, this.leaseMs / 3)));
            continue;
          }
        }
        let claimedNow = 0;
        const pending = inflight.size + ready.length;
        // An empty queue is looked at again after 200 ms, or once nothing is in flight, not after every send.
        if (pending <= size / 2 && (pending === 0 || Date.now() - lastEmptyClaim > 200)) {
          const rows = await this.claim(channel, size - pending);
          claimedNow = rows.length;
          if (claimedNow === 0) lastEmptyClaim = Date.now();
          ready.push(...rows);
          while (ready.length > 0 && inflight.size < this.sendConcurrency && !opts.shouldStop()) start(ready.shift()!);
        }
        if (Date.now() - lastFlush > 500 || (claimedNow === 0 && inflight.size === 0)) {
          lastFlush = Date.now();
          await this.flushDone();
        }
        if (claimedNow === 0 && inflight.size === 0 && ready.length === 0) {
          if (this.writer.backlog > 0) {
            await this.writer.drain(); // outcomes not written yet may requeue rows (retries): look again after
            continue;
          }
          if (opts.untilEmpty) return;
          if (opts.idle) await opts.idle();
          else await defaultSleep(1000);
          continue;
        }
        // Until a delivery finishes and the backlog falls to half a claim (or a short while, for the lease/flush).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, claimedNow === 0 ? 200 : 50);
          function done() {
            clearTimeout(timer);
            wake = () => {};
            resolve();
          }
          wake = () => {
            if (inflight.size + ready.length <= size / 2 || inflight.size === 0) done();
          };
        });
      }
    } finally {
      await Promise.allSettled([...inflight]);
      await this.writer.drain();
      await this.flushDone().catch(() => {});
      if (haveLease) await this.releaseChannel(channel).catch(() => {});
    }
  }
}

/** Marks `sending` campaigns with nothing left in the queue as done (all of them, or the given ones). */
export async function finishDoneCampaigns(db: Db, now: Date, campaignIds?: string[]): Promise<number> {
  if (campaignIds && campaignIds.length === 0) return 0;
  const only = campaignIds
    ? sql`and c.id in (${sql.join(
        campaignIds.map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql``;
  return execCount(
    db,
    sql`update campaigns c set status = 'done', finished_at = ${iso(now)}::timestamptz
        where c.status = 'sending' ${only}
          and not exists (select 1 from deliveries d where d.campaign_id = c.id and d.status in ('queued', 'claimed', 'sending'))`,
  );
}

/**
 * Runtime-neutral entry for a Workers `queue`/`scheduled` handler (or any one-shot caller): recovers dead workers'
 * rows, then sends what is due on every channel with a sender until the queue is empty or `maxMs` passed.
 * Pass the same `pacers` map across calls in one isolate to keep the spacing between batches.
 */
export async function deliverBatch(o: DeliveryOptions & { maxMs?: number }): Promise<DeliveryStats> {
  const engine = new DeliveryEngine(o);
  await engine.sweep();
  const deadline = Date.now() + (o.maxMs ?? 25_000);
  await Promise.all(
    engine
      .channels()
      .map((ch) => engine.runChannel(ch, { shouldStop: () => Date.now() >= deadline, untilEmpty: true })),
  );
  await engine.releaseClaimed();
  return engine.stats;
}

/**
 * What is left in the queue: rows not settled yet, how many of them are due now, and when the next one that waits
 * (quiet hours, retry backoff) becomes due — so a Workers queue consumer can re-tick with a delay instead of spinning.
 */
export async function pendingDeliveries(
  db: Db,
  now: Date,
): Promise<{ pending: number; due: number; nextDueAt: Date | null }> {
  const rows = await queryRows(
    db,
    sql`select count(*) as pending,
               count(*) filter (where status <> 'queued' or not_before <= ${iso(now)}::timestamptz) as due,
               min(not_before) filter (where status = 'queued' and not_before > ${iso(now)}::timestamptz) as next
        from deliveries where status in ('queued', 'claimed', 'sending')`,
    z.object({ pending: col.num, due: col.num, next: col.dateOrNull }),
  );
  const r = rows[0];
  const next = r?.next ?? null;
  return {
    pending: num(r?.pending),
    due: num(r?.due),
    nextDueAt: next === null ? null : next instanceof Date ? next : new Date(String(next)),
  };
}
