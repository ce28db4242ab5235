/**
 * The console's Budget page over HTTP (both databases): the report with its chart data, the settings form (saved
 * with PUT /v1/budget/settings semantics, errors in place by field), the compose page's estimate under the preview,
 * and a blocked send shown on the campaign's page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/lib/clock.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember, daysAgo } from "../segments/fixtures.ts";
import { consoleHttp } from "../console/http.ts";

let s: TestServer;
const clock = new FakeClock(new Date("2026-11-20T03:00:00Z"));

beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => {
  await s.close();
});

describe("console budget", () => {
  it("shows the report, saves the settings, refuses bad ones in place, estimates in compose, shows a blocked send", async () => {
    const { api, apiKey, merchantId } = await s.merchant();
    for (const p of ["+84913100001", "+84913100002"])
      await addMember(
        s.database.db,
        merchantId,
        { optedIn: true, phone: p, orders: [{ at: daysAgo(clock.now(), 8) }] },
        clock.now(),
      );
    await api("PUT", "/v1/zns/templates/231001", { name: "Điểm", tag: "promotion", params: {} });
    const { get, post, signIn } = consoleHttp(s);
    const cookie = await signIn(apiKey);

    const page = await (await get("/console/budget", cookie)).text();
    expect(page).toContain("Ngân sách chương trình");
    expect(page).toContain('id="chart-budget"');
    expect(page).toContain('"target":"chart-budget"');
    expect(page).toMatch(/data-month="2026-11"/);

    const bad = await post(
      "/console/budget",
      {
        enforcement: "block",
        "monthly.points": "-5",
        "month.spend": "abc",
        "pointValue.amount": "1",
        "pointValue.points": "",
      },
      cookie,
    );
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field="monthly.points"');
    expect(badHtml).toContain('data-field="month.spend"');
    expect(badHtml).toContain('data-field="pointValue.points"');

    const ok = await post(
      "/console/budget",
      {
        enforcement: "block",
        "monthly.points": "",
        "monthly.spend": "1000",
        "month.spend": "400",
        llmPricePerMillionTokens: "",
      },
      cookie,
    );
    expect(ok.status).toBe(303);
    expect((await api("GET", "/v1/budget/settings")).body).toEqual({
      pointValue: null,
      enforcement: "block",
      monthly: { points: null, spend: 1000 },
      months: [{ month: "2026-11", points: null, spend: 400 }],
      llmPricePerMillionTokens: 0,
    });
    expect(await (await get("/console/budget?ok=saved", cookie)).text()).toContain("Đã lưu ngân sách.");

    // Compose: 2 ZNS messages × 300 ₫ = 600 ₫ > the 400 ₫ of this month.
    const preview = await (
      await post(
        "/console/campaigns/preview",
        { segmentId: "recent-7", "message.vi": "Chào", channel: "zns", znsTemplateId: "231001" },
        cookie,
      )
    ).text();
    expect(preview).toContain('id="budget-estimate" data-over="spend"');
    expect(preview).toContain("2 tin ZNS × 300 ₫ + 0 điểm thưởng = 600 ₫");
    expect(preview).toContain("Chiến dịch sẽ bị chặn.");

    // Send now from compose: created, refused on its page with the reason.
    const sent = await post(
      "/console/campaigns",
      {
        name: "ZNS",
        segmentId: "recent-7",
        "message.vi": "Chào",
        channel: "zns",
        znsTemplateId: "231001",
        action: "send",
      },
      cookie,
    );
    expect(sent.status).toBe(409);
    // The refusal in the console's language: which budget and month, and that nothing went out.
    const html = await sent.text();
    expect(html).toContain("Vượt ngân sách tháng 2026-11:");
    expect(html).toContain("Chưa gửi: ngân sách được đặt chặn gửi khi vượt.");
  });
});
