/**
 * "Send to segment" on a survey's console page over real HTTP (no browser): the button is offered for a draft with
 * a segment, posts to the same sendSurvey with the same budget guard; over a blocking budget the page shows the
 * 409 over-budget as an error (409, nothing sent); over a warning budget it sends and flashes the warning.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember } from "../segments/fixtures.ts";
import { consoleHttp } from "./http.ts";

let s: TestServer;
let http: ReturnType<typeof consoleHttp>;

beforeAll(async () => {
  s = await startTestServer();
  http = consoleHttp(s);
}, 60_000);
afterAll(async () => {
  await s?.close();
});

/** A merchant with 3 opted-in Telegram members, a 10-point survey for everyone and a 25-points budget. */
async function setup(enforcement: "block" | "warn") {
  const m = await s.merchant();
  for (let i = 0; i < 3; i++)
    await addMember(s.database.db, m.merchantId, { optedIn: true, channels: [{ channel: "telegram" }] }, new Date());
  const seg = (await m.api("POST", "/v1/segments", { name: "everyone", rule: { all: [] } })).body.id;
  const id = (
    await m.api("POST", "/v1/surveys", {
      name: "Khảo sát",
      questions: [{ type: "rating", text: { vi: "Thế nào?", en: "How was it?" } }],
      points: 10,
      segmentId: seg,
    })
  ).body.id as string;
  await m.api("PUT", "/v1/budget/settings", {
    enforcement,
    monthly: { points: 25, spend: null },
    pointValue: { amount: 5, points: 1 },
  });
  return { ...m, id, cookie: await http.signIn(m.apiKey) };
}

describe("console: a survey's send to its segment", () => {
  it("a blocking budget: the button's 409 over-budget is shown on the page, nothing sent", async () => {
    const m = await setup("block");
    const page = await (await http.get(`/console/surveys/${m.id}`, m.cookie)).text();
    expect(page).toContain(`action="/console/surveys/${m.id}/send"`);
    expect(page).toContain("Gửi tới phân khúc");
    const res = await http.post(`/console/surveys/${m.id}/send`, {}, m.cookie);
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain("flash bad");
    expect(html).toContain("Vượt ngân sách tháng 2026-11: điểm. Chưa gửi: ngân sách được đặt chặn gửi khi vượt.");
    expect(html).toContain('id="send-survey"'); // still a draft: the button stays
    expect((await m.api("GET", `/v1/surveys/${m.id}`)).body).toMatchObject({ sentAt: null, draft: true });
  });

  it("a warning budget: sent, the warning flashed, the button gone (en)", async () => {
    const m = await setup("warn");
    const cookie = `${m.cookie}; cl_lang=en`;
    expect(await (await http.get(`/console/surveys/${m.id}`, cookie)).text()).toContain("Send to segment");
    const res = await http.post(`/console/surveys/${m.id}/send`, {}, cookie);
    expect(res.status).toBe(303);
    const to = res.headers.get("location")!;
    expect(to).toBe(`/console/surveys/${m.id}?ok=sending-over`);
    const html = await (await http.get(to, cookie)).text();
    expect(html).toContain("Sending — over this month&#39;s budget (warned).");
    expect(html).not.toContain('id="send-survey"');
    expect((await m.api("GET", `/v1/surveys/${m.id}`)).body).toMatchObject({
      recipients: 3,
      budgetCheck: { outcome: "warned", via: "segment" },
    });
  });
});
