/**
 * Every statement the request paths send names its tenant (issue 18, docs/scaling.md): on Citus distributed by
 * `merchant_id`, a statement on a tenant table without a `merchant_id` condition fans out to every node instead of
 * routing to one. This runs the API, the chat channels and the jobs against Postgres with a driver hook that records
 * each statement, then checks the recorded SQL. Tables without `merchant_id` are the platform's own (listed below,
 * and in docs/scaling.md as reference/local tables).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telegramCallbackUpdate, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { engineChatOffers } from "../../src/runtime/runtime.ts";
import {
  type BotHarness,
  lastButtons,
  linkCode,
  newTelegramUser,
  type Shop,
  setupShop,
  startBotHarness,
} from "../bots/harness.ts";
import { line, memberOrder, seedHistory } from "../offers/fixtures.ts";

/** Tables without a merchant_id: global per channel/bot, leases, rate counters, or children keyed by a tenant row. */
const NOT_TENANT = new Set([
  "merchants",
  "channel_bot_info",
  "channel_chat_sessions",
  "channel_processed_updates",
  "delivery_leases",
  "import_rows",
  "rate_counters",
  "recs_items",
  "recs_rules",
  "__drizzle_migrations",
]);

/**
 * Statements that span merchants on purpose, each with its reason (on Citus they fan out to every node: fine for
 * rare maintenance, never on a hot path).
 */
const CROSS_TENANT: { pattern: RegExp; why: string }[] = [
  {
    pattern:
      /^delete from "llm_chat_turns" where \("llm_chat_turns"\."channel" = \$1 and "llm_chat_turns"\."chat_id" = \$2\)$/,
    why: "/start in a chat not linked yet forgets the chat's conversation with every merchant",
  },
];

const statements = new Set<string>();
let recording = false;
let h: BotHarness;
let shop: Shop;
let tenantTables: string[] = [];

beforeAll(async () => {
  h = await startBotHarness({
    offers: engineChatOffers,
    onStatement: (q) => {
      if (recording) statements.add(q.replace(/\s+/g, " ").trim());
    },
  });
  const rows = (await h.database.db.execute(
    "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'merchant_id'",
  )) as unknown as { table_name: string }[];
  tenantTables = [...new Set(rows.map((r) => r.table_name))].filter((t) => !NOT_TENANT.has(t));
  recording = true;
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});

const ok = (r: { status: number; body: unknown }, ...statuses: number[]) => {
  expect(statuses.length ? statuses : [200, 201], JSON.stringify(r.body)).toContain(r.status);
  return r.body as Record<string, unknown>;
};

describe("tenant statements", () => {
  it("every statement on a tenant table filters or writes by merchant_id", async () => {
    const { api } = shop;
    // Merchant API: catalog, program, members, orders, refunds, rewards, redemptions, segments, campaigns, analytics.
    await seedHistory(api);
    ok(await api("PUT", "/v1/products/BM", { name: "Bánh mì thịt", listPrice: 25000, margin: 40 }));
    ok(await api("GET", "/v1/products"));
    const order = await memberOrder(api, shop.memberId, ["CF", "CROIS"]);
    ok(await api("GET", `/v1/orders/${order.externalId}`));
    ok(
      await api("POST", `/v1/orders/${order.externalId}/refunds`, {
        externalId: `${order.externalId}-R`,
        items: [line("CROIS")],
      }),
    );
    ok(await api("GET", `/v1/members/${shop.memberId}`));
    ok(await api("GET", `/v1/members/${shop.memberId}/ledger`));
    ok(await api("GET", "/v1/members?phone=0912345678"));
    const redemption = ok(
      await api(
        "POST",
        `/v1/members/${shop.memberId}/redemptions`,
        { rewardId: shop.rewards.coffee },
        { "Idempotency-Key": "rd-1" },
      ),
    );
    ok(await api("POST", `/v1/redemptions/${redemption.redemptionId}/cancel`));
    ok(
      await api(
        "POST",
        `/v1/members/${shop.memberId}/adjustments`,
        { points: 5, reason: "test" },
        { "Idempotency-Key": "adj-1" },
      ),
    );
    ok(await api("GET", `/v1/members/${shop.memberId}/offers`));
    const seg = ok(
      await api("POST", "/v1/segments", {
        name: "Recent",
        rule: {
          all: [
            { field: "daysSinceLastOrder", op: "lte", value: 28 },
            { field: "netSpend", op: "gte", value: 1 },
          ],
        },
      }),
    );
    ok(await api("GET", `/v1/segments/${seg.id}/preview`));
    const survey = ok(
      await api("POST", "/v1/surveys", {
        name: "Góp ý",
        questions: [{ type: "text", text: { vi: "Góp ý?" } }],
        points: 5,
        segmentId: seg.id,
      }),
    );
    ok(await api("POST", `/v1/surveys/${survey.id}/send`), 202);
    ok(await api("GET", "/v1/surveys"));
    ok(await api("GET", `/v1/surveys/${survey.id}/results?segmentId=${seg.id}`));
    ok(await api("GET", `/v1/surveys/${survey.id}/results.csv`));
    ok(await api("GET", "/v1/analytics/summary"));
    ok(await api("GET", "/v1/analytics/kpis"));
    ok(await api("GET", "/v1/offers/report"));
    ok(await api("POST", "/v1/jobs/tiers"));
    ok(await api("POST", "/v1/jobs/expire"));
    // Referrals: settings, a member's link, the reports and the reward job.
    ok(await api("PUT", "/v1/referrals/settings", { enabled: true }));
    const ref = ok(await api("GET", `/v1/members/${shop.memberId}/referral-link`));

    // Chat: link, points, history, rewards, offers and a claim.
    const user = newTelegramUser();
    for (const text of [`/start ${await linkCode(shop)}`, "/points", "/history", "/rewards", "/offers"]) {
      expect((await h.telegram(telegramTextUpdate(text, user))).status).toBe(200);
    }
    const claim = lastButtons(h.tg, user.id).find((b) => b.data.startsWith("oc:"));
    if (claim) expect((await h.telegram(telegramCallbackUpdate(claim.data, user))).status).toBe(200);
    // A friend joins through the referral link; the member shares it.
    const friend = newTelegramUser();
    expect((await h.telegram(telegramTextUpdate(`/start ref_${ref.code}`, friend))).status).toBe(200);
    expect((await h.telegram(telegramTextUpdate("/invite", user))).status).toBe(200);
    ok(await api("POST", "/v1/jobs/referrals"));
    ok(await api("GET", "/v1/referrals"));
    ok(await api("GET", "/v1/referrals/leaderboard"));
    ok(await api("GET", "/v1/referrals/kpis"));
    await h.channels.stop(10_000);
    recording = false;

    const touches = (q: string, t: string) => new RegExp(`\\b${t}\\b`, "i").test(q);
    const crossTenant = (q: string) => CROSS_TENANT.some((c) => c.pattern.test(q));
    const unscoped = [...statements].filter(
      (q) => tenantTables.some((t) => touches(q, t)) && !/merchant_id/i.test(q) && !crossTenant(q),
    );
    expect(statements.size).toBeGreaterThan(50);
    // The referral path ran (its claim wrote a referral and paid the welcome bonus).
    expect([...statements].some((q) => /^insert into "referrals"/i.test(q))).toBe(true);
    expect(unscoped.join("\n")).toBe("");
  });
});
