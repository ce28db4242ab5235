/**
 * Journey passes against the monthly budget (both databases, a fake clock): each pass checks the cost of what it
 * would queue now against the month's remaining budget, under the budget's per-merchant lock. Over a blocking
 * budget the pass is skipped (nothing queued) and the skip is recorded on the journey; over a warning budget it
 * runs with the warning; members already given the step for their entry do not count again; messages queued and
 * not sent yet hold their cost until they are sent (then it is used).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, queryRows } from "../../src/db/rows.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { budgetSendGuard } from "../../src/budget/guard.ts";
import { runAllJourneys } from "../../src/journeys/service.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { consoleHttp } from "../console/http.ts";
import { addMember, daysAgo } from "../segments/fixtures.ts";

let s: TestServer;
const clock = new FakeClock(new Date("2026-11-20T03:00:00Z"));
const TEMPLATE = "231001";

beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => {
  await s.close();
});

let phoneSeq = 914_000_000;
async function lapsed(merchantId: string, n: number) {
  for (let i = 0; i < n; i++)
    await addMember(
      s.database.db,
      merchantId,
      { optedIn: true, phone: `+84${++phoneSeq}`, orders: [{ at: daysAgo(clock.now(), 8) }] },
      clock.now(),
    );
}
const queued = async (merchantId: string) =>
  (
    await queryRows(
      s.database.db,
      sql`select count(*) as n from deliveries where merchant_id = ${merchantId} and source = 'journey'`,
      z.object({ n: col.num }),
    )
  )[0]!.n;

describe("journey passes and the monthly budget", () => {
  it("a blocking budget skips the pass (recorded); a warning one sends with the warning; only new entries count", async () => {
    const m = await s.merchant();
    const { api } = m;
    await lapsed(m.merchantId, 2);
    await api("PUT", `/v1/zns/templates/${TEMPLATE}`, {
      name: "Điểm",
      tag: "promotion",
      params: { name: { source: "firstName" } },
    });
    await api("PUT", "/v1/zns/settings", { mode: "production", pricePerMessage: 300 });
    const journey = {
      enabled: true,
      steps: [{ segmentId: "recent-7", message: { vi: "Nhớ bạn" }, channel: "zns", znsTemplateId: TEMPLATE }],
    };
    // Activated while the budget fits (900 đ for 2 messages at 300 đ), then the budget is cut and blocks.
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 900 } });
    expect((await api("PUT", "/v1/journeys/reactivation", journey)).status).toBe(200);
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 300 } });

    const skipped = await api("POST", "/v1/jobs/journeys");
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({
      enabled: true,
      queued: 0,
      budget: { outcome: "skipped", over: ["spend"], cost: 600 },
    });
    expect(skipped.body.budget.detail).toContain("The reactivation journey would exceed");
    expect(await queued(m.merchantId)).toBe(0);
    let view = (await api("GET", "/v1/journeys/reactivation")).body;
    expect(view).toMatchObject({ budgetSkips: 1, budgetCheck: { outcome: "skipped", cost: 600 } });
    expect(view.lastRunAt).toBe(clock.now().toISOString());
    // The console's Journeys page says it in words.
    const { get, signIn } = consoleHttp(s);
    const journeysPage = await (await get("/console/journeys", await signIn(m.apiKey))).text();
    expect(journeysPage).toContain('id="journey-budget"');
    expect(journeysPage).toContain("lượt gần nhất bị bỏ qua vì sẽ vượt ngân sách tháng");
    expect(journeysPage).toContain("Số lượt bị bỏ qua vì ngân sách: 1.");

    // The scheduler's path (the runtime injects the same guard): skipped again, counted.
    clock.advance(600_000);
    expect(await runAllJourneys(s.database.db, clock.now(), undefined, budgetSendGuard)).toBe(0);
    view = (await api("GET", "/v1/journeys/reactivation")).body;
    expect(view.budgetSkips).toBe(2);
    expect(view.budgetCheck.at).toBe(clock.now().toISOString());

    // Warn: the pass goes out, with the warning recorded.
    await api("PUT", "/v1/budget/settings", { enforcement: "warn", monthly: { points: null, spend: 300 } });
    const warned = await api("POST", "/v1/jobs/journeys");
    expect(warned.body).toMatchObject({ queued: 2, budget: { outcome: "warned", over: ["spend"], cost: 600 } });
    expect(await queued(m.merchantId)).toBe(2);
    expect((await api("GET", "/v1/journeys/reactivation")).body).toMatchObject({
      budgetSkips: 2,
      budgetCheck: { outcome: "warned", cost: 600 },
    });

    // The next pass would queue nothing new: nothing to estimate, within budget, even when blocking.
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 300 } });
    clock.advance(600_000);
    const again = await api("POST", "/v1/jobs/journeys");
    expect(again.body).toMatchObject({ queued: 0, budget: { outcome: "within" } });

    // The 2 messages queued and not sent yet hold 600 đ of the budget: one new lapsed member (300 đ) does not fit
    // 300 đ, and the detail says what is held.
    await lapsed(m.merchantId, 1);
    const held = await api("POST", "/v1/jobs/journeys");
    expect(held.body).toMatchObject({ queued: 0, budget: { outcome: "skipped", cost: 300 } });
    expect(held.body.budget.detail).toContain("with 0 of the 300 spend budget left (600 held by campaigns sending");
    expect((await api("GET", "/v1/budget/report")).body.current.reserved).toEqual({ points: 0, spend: 600 });
    // With 900 đ it fits (600 held + 300): queued. Two more do not: skipped, and neither is queued.
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: null, spend: 900 } });
    expect((await api("POST", "/v1/jobs/journeys")).body).toMatchObject({ queued: 1, budget: { outcome: "within" } });
    await lapsed(m.merchantId, 2);
    expect((await api("POST", "/v1/jobs/journeys")).body).toMatchObject({ queued: 0, budget: { outcome: "skipped" } });
    expect(await queued(m.merchantId)).toBe(3);
    // Sent, they are used instead of held (the same 900 đ either way): still no room for the two.
    await s.database.db.execute(
      sql`update deliveries set status = 'sent', sent_at = ${clock.now().toISOString()}::timestamptz
          where merchant_id = ${m.merchantId} and source = 'journey'`,
    );
    const report = (await api("GET", "/v1/budget/report")).body.current;
    expect(report.reserved).toEqual({ points: 0, spend: 0 });
    expect(report.spend).toMatchObject({ used: 900 });
    expect((await api("POST", "/v1/jobs/journeys")).body).toMatchObject({ queued: 0, budget: { outcome: "skipped" } });
  });

  it("queued steps that carry an offer hold its bonus points until they are sent", async () => {
    const m = await s.merchant();
    const { api } = m;
    await lapsed(m.merchantId, 2);
    await api("PUT", `/v1/zns/templates/${TEMPLATE}`, {
      name: "Combo",
      tag: "promotion",
      params: { name: { source: "firstName" } },
    });
    await api("PUT", "/v1/zns/settings", { mode: "production", pricePerMessage: 0 });
    const combo = await api("POST", "/v1/bundles", { name: "Combo", skus: ["A", "B"], bonusPoints: 150 });
    expect(combo.status).toBe(201);
    await api("PUT", "/v1/budget/settings", { enforcement: "block", monthly: { points: 400, spend: null } });
    const step = { segmentId: "recent-7", message: { vi: "Combo" }, channel: "zns", znsTemplateId: TEMPLATE };
    const journey = { enabled: true, steps: [{ ...step, offerId: combo.body.id }] };
    expect((await api("PUT", "/v1/journeys/reactivation", journey)).status).toBe(200);
    expect((await api("POST", "/v1/jobs/journeys")).body).toMatchObject({ queued: 2, budget: { outcome: "within" } });
    // Two messages queued, each able to credit the combo's 150 points: 300 held of the 400.
    expect((await api("GET", "/v1/budget/report")).body.current.reserved).toEqual({ points: 300, spend: 0 });
    // One more lapsed member would take 150 more: over 400 with 300 held, so the pass is skipped.
    await lapsed(m.merchantId, 1);
    clock.advance(600_000);
    const held = await api("POST", "/v1/jobs/journeys");
    expect(held.body).toMatchObject({ queued: 0, budget: { outcome: "skipped", over: ["points"] } });
    expect(held.body.budget.detail).toContain(
      "150 bonus points with 100 of the 400 points budget left (300 points held by campaigns sending and messages queued)",
    );
    // Sent, they hold nothing (their points count when an offer is redeemed): the pass fits again.
    await s.database.db.execute(
      sql`update deliveries set status = 'sent', sent_at = ${clock.now().toISOString()}::timestamptz
          where merchant_id = ${m.merchantId} and source = 'journey'`,
    );
    expect((await api("GET", "/v1/budget/report")).body.current.reserved).toEqual({ points: 0, spend: 0 });
    expect((await api("POST", "/v1/jobs/journeys")).body).toMatchObject({ queued: 1, budget: { outcome: "within" } });
  });

  it("without a budget the pass runs as before (nothing to exceed: within)", async () => {
    const m = await s.merchant();
    await lapsed(m.merchantId, 1);
    await m.api("PUT", "/v1/journeys/reactivation", {
      enabled: true,
      steps: [{ segmentId: "recent-7", message: { vi: "Nhớ bạn" } }],
    });
    const r = await m.api("POST", "/v1/jobs/journeys");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ enabled: true, budget: { outcome: "within" } });
    expect((await m.api("GET", "/v1/journeys/reactivation")).body).toMatchObject({
      budgetCheck: { outcome: "within" },
      budgetSkips: 0,
    });
  });
});
