/**
 * The program budget over HTTP (both databases): settings and their validation, the cost estimate of a campaign
 * and of the journey, a blocking budget refusing a campaign send and a journey activation (nothing written), a
 * warning budget letting them through with the warning, the report's monthly series, liability, breakage, cost per
 * member and the campaigns' incremental revenue, and isolation between merchants.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { ledgerEntries } from "../../src/db/schema.ts";
import { queryRows, col } from "../../src/db/rows.ts";
import { z } from "zod";
import { FakeClock } from "../../src/lib/clock.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember, daysAgo, type MemberSpec } from "../segments/fixtures.ts";

let s: TestServer;
const clock = new FakeClock(new Date("2026-11-20T03:00:00Z")); // 10:00 in Ho Chi Minh City
const TEMPLATE = "231001";

beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => {
  await s.close();
});

let phoneSeq = 913_000_000;
const phone = () => `+84${++phoneSeq}`;

/** A merchant whose `n` lapsed members (recent-7) are reachable by ZNS only, at 300 đ a message. */
async function merchantWithZnsMembers(n: number, more: MemberSpec[] = []) {
  const m = await s.merchant();
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push(
      await addMember(
        s.database.db,
        m.merchantId,
        { optedIn: true, phone: phone(), orders: [{ at: daysAgo(clock.now(), 8) }] },
        clock.now(),
      ),
    );
  for (const spec of more) ids.push(await addMember(s.database.db, m.merchantId, spec, clock.now()));
  await m.api("PUT", `/v1/zns/templates/${TEMPLATE}`, {
    name: "Điểm",
    tag: "promotion",
    params: { name: { source: "firstName" } },
  });
  await m.api("PUT", "/v1/zns/settings", { mode: "production", pricePerMessage: 300 });
  return { ...m, ids };
}

const deliveries = async (merchantId: string) =>
  (
    await queryRows(
      s.database.db,
      sql`select count(*) as n from deliveries where merchant_id = ${merchantId}`,
      z.object({ n: col.num }),
    )
  )[0]!.n;

describe("budget settings", () => {
  it("defaults, validation with field paths, replace and read back", async () => {
    const { api } = await s.merchant();
    expect((await api("GET", "/v1/budget/settings")).body).toEqual({
      pointValue: null,
      enforcement: "warn",
      monthly: { points: null, spend: null },
      months: [],
      llmPricePerMillionTokens: 0,
    });
    const bad = await api("PUT", "/v1/budget/settings", {
      pointValue: { amount: 1, points: 0 },
      monthly: { points: -1, spend: 1.5 },
      months: [
        { month: "2026-12", points: 1, spend: 1 },
        { month: "2026-12", points: 2, spend: 2 },
        { month: "2026-13", points: 1, spend: 1 },
      ],
      enforcement: "stop",
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        "enforcement",
        "monthly.points",
        "monthly.spend",
        "months.1.month",
        "months.2.month",
        "pointValue.points",
      ].sort(),
    );
    const body = {
      pointValue: { amount: 1, points: 10 },
      enforcement: "block",
      monthly: { points: 5000, spend: 100_000 },
      months: [{ month: "2026-12", points: 8000, spend: null }],
      llmPricePerMillionTokens: 15_000,
    };
    const put = await api("PUT", "/v1/budget/settings", body);
    expect(put.status).toBe(200);
    expect(put.body).toEqual(body);
    expect((await api("GET", "/v1/budget/settings")).body).toEqual(body);
    // months replace all months
    await api("PUT", "/v1/budget/settings", { ...body, months: [] });
    expect((await api("GET", "/v1/budget/settings")).body.months).toEqual([]);
  });
});

describe("budget blocking a campaign", () => {
  it("a blocking spend budget refuses the send with 409 over-budget and writes nothing; warn sends with the warning", async () => {
    const { api, merchantId } = await merchantWithZnsMembers(3);
    const c = await api("POST", "/v1/campaigns", {
      name: "Nhắc điểm",
      segmentId: "recent-7",
      message: { vi: "Chào {{firstName}}" },
      znsTemplateId: TEMPLATE,
    });
    expect(c.status).toBe(201);
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 500 } });

    const est = await api("GET", `/v1/budget/campaigns/${c.body.id}/estimate`);
    expect(est.status).toBe(200);
    expect(est.body).toMatchObject({
      kind: "campaign",
      id: c.body.id,
      month: "2026-11",
      messages: 3,
      pricePerMessage: 300,
      messageCost: 900,
      bonusPoints: 0,
      cost: 900,
      spend: { budget: 500, used: 0, remaining: 500 },
      points: { budget: null },
      over: ["spend"],
      enforcement: "block",
    });

    const sent = await api("POST", `/v1/campaigns/${c.body.id}/send`);
    expect(sent.status).toBe(409);
    expect(sent.headers.get("content-type")).toContain("application/problem+json");
    expect(sent.body.type).toMatch(/over-budget$/);
    expect(sent.body.detail).toContain("would exceed the 2026-11 budget");
    expect(sent.body.detail).toContain("900 spent on 3 ZNS messages with 500 of the 500 spend budget left");
    expect(sent.body.estimate).toMatchObject({ cost: 900, over: ["spend"], enforcement: "block" });
    expect((await api("GET", `/v1/campaigns/${c.body.id}`)).body.status).toBe("draft");
    expect(await deliveries(merchantId)).toBe(0);

    // Raised budget: no warning at all.
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 900 } });
    const c2 = await api("POST", "/v1/campaigns", {
      name: "Lần 2",
      segmentId: "recent-7",
      message: { vi: "Chào" },
      znsTemplateId: TEMPLATE,
    });
    // Warn: the same overrun goes out, and the response says so.
    await api("PUT", "/v1/budget/settings", { enforcement: "warn", monthly: { points: null, spend: 500 } });
    const warned = await api("POST", `/v1/campaigns/${c.body.id}/send`);
    expect(warned.status).toBe(202);
    expect(warned.body).toMatchObject({
      status: "sending",
      recipients: 3,
      budget: { code: "over-budget", over: ["spend"], cost: 900 },
    });
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 2000 } });
    const ok = await api("POST", `/v1/campaigns/${c2.body.id}/send`);
    expect(ok.status).toBe(202);
    expect(ok.body.budget).toBeUndefined();
  });

  it("bonus points × point value count against the points budget; a scheduled campaign over it stays scheduled", async () => {
    const { api, merchantId } = await merchantWithZnsMembers(0, [
      { optedIn: true, orders: [{ at: daysAgo(clock.now(), 8) }], channels: [{ channel: "telegram" }] },
      { optedIn: true, orders: [{ at: daysAgo(clock.now(), 9) }], channels: [{ channel: "telegram" }] },
    ]);
    const b = await api("POST", "/v1/bundles", { name: "Combo", skus: ["A", "B"], bonusPoints: 150 });
    expect(b.status).toBe(201);
    await api("PUT", "/v1/budget/settings", {
      enforcement: "block",
      pointValue: { amount: 5, points: 2 },
      monthly: { points: 250, spend: 0 },
    });
    const c = await api("POST", "/v1/campaigns", {
      name: "Combo",
      segmentId: "recent-7",
      message: { vi: "Combo" },
      offerId: b.body.id,
    });
    const est = (await api("GET", `/v1/budget/campaigns/${c.body.id}/estimate`)).body;
    expect(est).toMatchObject({
      bonusPoints: 300,
      pointsCost: 750,
      messages: 0,
      messageCost: 0,
      cost: 750,
      pointValue: { amount: 5, points: 2, source: "budget" },
      over: ["points"],
    });
    expect((await api("POST", `/v1/campaigns/${c.body.id}/send`)).status).toBe(409);

    // Scheduled: the scheduler leaves it scheduled while over budget, and starts it once the budget allows.
    const { runDueCampaigns } = await import("../../src/campaigns/service.ts");
    const { budgetSendGuard } = await import("../../src/budget/guard.ts");
    const sch = await api("POST", "/v1/campaigns", {
      name: "Later",
      segmentId: "recent-7",
      message: { vi: "Combo" },
      offerId: b.body.id,
      sendAt: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    clock.advance(120_000);
    expect(await runDueCampaigns(s.database.db, clock.now(), budgetSendGuard)).not.toContain(sch.body.id);
    expect((await api("GET", `/v1/campaigns/${sch.body.id}`)).body.status).toBe("scheduled");
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: 300, spend: 0 } });
    expect(await runDueCampaigns(s.database.db, clock.now(), budgetSendGuard)).toContain(sch.body.id);
    expect(await deliveries(merchantId)).toBe(2);
  });

  it("another merchant's campaign has no estimate", async () => {
    const a = await merchantWithZnsMembers(1);
    const c = await a.api("POST", "/v1/campaigns", { name: "x", segmentId: "recent-7", message: { vi: "x" } });
    const other = await s.merchant();
    expect((await other.api("GET", `/v1/budget/campaigns/${c.body.id}/estimate`)).status).toBe(404);
  });
});

describe("budget and the journey", () => {
  it("activating the journey over a blocking budget → 409 and it stays disabled; warn activates with the warning", async () => {
    const { api } = await merchantWithZnsMembers(2);
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 300 } });
    const journey = {
      enabled: true,
      steps: [{ segmentId: "recent-7", message: { vi: "Nhớ bạn" }, channel: "zns", znsTemplateId: TEMPLATE }],
    };
    const r = await api("PUT", "/v1/journeys/reactivation", journey);
    expect(r.status).toBe(409);
    expect(r.body.type).toMatch(/over-budget$/);
    expect(r.body.detail).toContain("The reactivation journey would exceed");
    expect((await api("GET", "/v1/journeys/reactivation")).body.enabled).toBe(false);

    // Saved disabled, its estimate reads the saved steps.
    expect((await api("PUT", "/v1/journeys/reactivation", { ...journey, enabled: false })).status).toBe(200);
    expect((await api("GET", "/v1/budget/journeys/reactivation/estimate")).body).toMatchObject({
      kind: "journey",
      id: null,
      messages: 2,
      messageCost: 600,
      over: ["spend"],
    });
    await api("PUT", "/v1/budget/settings", { enforcement: "warn", monthly: { points: null, spend: 300 } });
    const w = await api("PUT", "/v1/journeys/reactivation", journey);
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ enabled: true, budget: { code: "over-budget", cost: 600 } });
    // Already enabled: saving again is not an activation.
    expect((await api("PUT", "/v1/journeys/reactivation", journey)).body.budget).toBeUndefined();
  });
});

describe("budget report", () => {
  it("monthly issued vs budget, spend, liability and breakage, cost per member, incremental revenue", async () => {
    const { api, merchantId, ids } = await merchantWithZnsMembers(0, [
      { pointsTotal: 700, optedIn: true, channels: [{ channel: "telegram" }] },
      { pointsTotal: 300 },
      { pointsTotal: -20 },
    ]);
    const db = s.database.db;
    const entry = (kind: "earn" | "bonus" | "adjust" | "expire" | "redeem", points: number, at: string) => ({
      merchantId,
      memberId: ids[0]!,
      kind,
      points,
      createdAt: new Date(at),
    });
    await db.insert(ledgerEntries).values([
      entry("earn", 1000, "2026-11-05T03:00:00Z"),
      entry("bonus", 200, "2026-11-06T03:00:00Z"),
      entry("adjust", -50, "2026-11-06T04:00:00Z"),
      entry("redeem", -100, "2026-11-07T03:00:00Z"),
      // 31 Oct 20:00 UTC = 1 Nov 03:00 in Ho Chi Minh City: November locally
      entry("earn", 400, "2026-10-31T20:00:00Z"),
      entry("earn", 600, "2026-10-10T03:00:00Z"),
      entry("expire", -250, "2026-10-12T03:00:00Z"),
      entry("earn", 999, "2025-10-01T03:00:00Z"), // older than 12 months: not in the breakage rate
    ]);
    await db.execute(
      sql`insert into llm_usage (merchant_id, day, task, input_tokens, output_tokens) values (${merchantId}, '2026-11-02', 'answer', 1500000, 500000)`,
    );
    await api("PUT", "/v1/budget/settings", {
      pointValue: { amount: 10, points: 1 },
      monthly: { points: 2000, spend: 50_000 },
      months: [{ month: "2026-10", points: 500, spend: null }],
      llmPricePerMillionTokens: 15_000,
    });
    const r = await api("GET", "/v1/budget/report?months=3");
    expect(r.status).toBe(200);
    expect(r.body.month).toBe("2026-11");
    expect(r.body.currency).toBe("VND");
    expect(r.body.months.map((m: { month: string }) => m.month)).toEqual(["2026-09", "2026-10", "2026-11"]);
    expect(r.body.months[1]).toMatchObject({
      pointsIssued: 600,
      pointsExpired: 250,
      pointsBudget: 500, // its own
      spendBudget: 50_000, // null of its own: the monthly default
    });
    expect(r.body.months[0]).toMatchObject({ pointsIssued: 0, pointsBudget: 2000, spendBudget: 50_000 });
    expect(r.body.months[2]).toMatchObject({
      pointsIssued: 1600,
      pointsBudget: 2000,
      pointsCost: 16_000,
      llmTokens: 2_000_000,
      llmCost: 30_000,
      znsMessages: 0,
      spend: 30_000,
      spendBudget: 50_000,
      programCost: 46_000,
    });
    expect(r.body.current).toEqual({
      points: { budget: 2000, used: 1600, remaining: 400 },
      spend: { budget: 50_000, used: 30_000, remaining: 20_000 },
      reserved: { points: 0, spend: 0 },
    });
    // outstanding = 700 + 300 (a negative balance is no liability); breakage = 250 ÷ (1600 + 600)
    expect(r.body.liability).toEqual({
      points: 1000,
      value: 10_000,
      breakageRate: { numerator: 250, denominator: 2200, value: 0.1136 },
      expectedBreakage: 1136,
      net: 8864,
    });
    expect(r.body.costPerMember).toEqual({ members: 3, cost: 46_000, value: 15_333 });
    expect(r.body.campaigns).toMatchObject({ items: [], incrementalRevenue: 0, programCost: 46_000 + 6000 });

    // A campaign with a control group brings its incremental revenue.
    const c = await api("POST", "/v1/campaigns", {
      name: "Đo lường",
      segmentId: "recent-7",
      message: { vi: "x" },
      controlPercent: 50,
    });
    await api("POST", `/v1/campaigns/${c.body.id}/send`);
    const withCampaign = (await api("GET", "/v1/budget/report?months=3")).body.campaigns;
    expect(withCampaign.items).toEqual([expect.objectContaining({ id: c.body.id, name: "Đo lường", messageCost: 0 })]);

    const bad = await api("GET", "/v1/budget/report?months=25");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("months");
  });
});
