/**
 * The console's survey results in a real browser (Debian chromium via playwright-core) at 1366×900 and 390×844:
 * the list, one survey's KPIs and uPlot bar charts (canvas), NPS, the text answers, the segment filter and the CSV
 * download; a draft's editor; Send to segment against a blocking then a warning budget. The answers come through the
 * survey service (the chat path is tested in test/surveys/). Screenshots go
 * to test-results/console/; `UPDATE_DOCS=1` also copies them to docs/console-survey*.png.
 */
import { signedInPage } from "./console-page.ts";
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { and, eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { channelIdentities, members } from "../../src/db/schema.ts";
import { deliveries } from "../../src/campaigns/tables.ts";
import { answerSurvey } from "../../src/surveys/service.ts";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/console`;

let s: TestServer;
let browser: Browser;
let apiKey: string;
let surveyId: string;
let englishSegment: string;

beforeAll(async () => {
  s = await startTestServer();
  const seeded = await seedDemo(s.database.db, s.clock.now());
  apiKey = seeded.apiKey;
  const merchantId = seeded.merchantId;
  const db = s.database.db;
  const demo = await db.select().from(members).where(eq(members.merchantId, merchantId));
  for (const [i, m] of demo.entries()) {
    await db.update(members).set({ optedIn: true }).where(eq(members.id, m.id));
    await db.insert(channelIdentities).values({
      merchantId,
      memberId: m.id,
      channel: "telegram",
      userId: String(9_200_000 + i),
      chatId: String(9_200_000 + i),
      linkedAt: s.clock.now(),
    });
  }
  const api = apiClient(s.url, apiKey);
  const everyone = await api("POST", "/v1/segments", { name: "Everyone", rule: { all: [] } });
  englishSegment = (
    await api("POST", "/v1/segments", { name: "English", rule: { field: "language", op: "eq", value: "en" } })
  ).body.id;
  const created = await api("POST", "/v1/surveys", {
    name: "Góp ý tháng 12",
    points: 20,
    segmentId: everyone.body.id,
    questions: [
      {
        type: "choice",
        text: { vi: "Bạn hay gọi món gì?", en: "What do you usually order?" },
        options: [
          { vi: "Cà phê", en: "Coffee" },
          { vi: "Trà", en: "Tea" },
          { vi: "Bánh", en: "Pastry" },
        ],
      },
      { type: "rating", text: { vi: "Bạn chấm quán mấy sao?", en: "How many stars?" } },
      { type: "nps", text: { vi: "Bạn có giới thiệu quán không?", en: "Would you recommend us?" } },
      { type: "text", text: { vi: "Góp ý thêm?", en: "Anything else?" } },
    ],
  });
  surveyId = created.body.id;
  expect((await api("POST", `/v1/surveys/${surveyId}/send`)).status).toBe(202);
  // The messages "went out" (the delivery path is tested elsewhere); each member answers.
  await db
    .update(deliveries)
    .set({ status: "sent", sentAt: s.clock.now() })
    .where(and(eq(deliveries.merchantId, merchantId), eq(deliveries.sourceKey, `survey:${surveyId}`)));
  const answers: [number, number, number, string | null][] = [
    [0, 5, 10, "Thêm chỗ ngồi ngoài trời"],
    [0, 4, 9, null],
    [1, 4, 8, "Nhạc hơi to"],
    [2, 3, 6, "More vegan pastries please"],
    [0, 5, 10, null],
  ];
  for (const [i, m] of demo.entries()) {
    const a = answers[i % answers.length]!;
    if (i === demo.length - 1) {
      await answerSurvey(db, merchantId, m.id, surveyId, 0, a[0], s.clock.now()); // started, not finished
      continue;
    }
    for (const [q, v] of a.entries()) await answerSurvey(db, merchantId, m.id, surveyId, q, v, s.clock.now());
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function shot(page: Page, name: string) {
  const file = `${SHOTS}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_DOCS === "1") copyFileSync(file, `${root}docs/console-${name}.png`);
}

const VIEWPORTS = [
  { label: "desktop", suffix: "", width: 1366, height: 900 },
  { label: "phone", suffix: "-phone", width: 390, height: 844 },
];

describe("console survey results in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: the list, the results with charts, a segment filter and the CSV`, async () => {
      const { context, page, errors } = await signedInPage(browser, s.url, apiKey, {
        width: vp.width,
        height: vp.height,
      });

      await page.locator("nav.main a", { hasText: "Khảo sát" }).click();
      const row = page.locator("#surveys tbody tr", { hasText: "Góp ý tháng 12" });
      await row.waitFor();
      const demoMembers = await s.database.db.select().from(members);
      const total = demoMembers.length;
      expect(await row.locator("td").nth(3).textContent()).toBe(String(total));
      if (vp.label === "desktop") await shot(page, `surveys${vp.suffix}`);

      await row.locator("a").click();
      await page.locator("h1", { hasText: "Góp ý tháng 12" }).waitFor();
      // Three bar charts drawn by uPlot (choice, rating, NPS); the text question lists its answers.
      for (const q of [0, 1, 2]) await page.locator(`#chart-q${q} .uplot canvas`).waitFor();
      expect(await page.locator("#kpis .kpi .v").nth(2).textContent()).toBe(String(total - 1));
      await page.locator("[data-question='3'] li", { hasText: "Nhạc hơi to" }).waitFor();
      const npsText = await page.locator("[data-question='2'] .nps").textContent();
      expect(npsText).toMatch(/^NPS: -?\d+/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(vp.width);
      await shot(page, `survey${vp.suffix}`);

      // Per segment: only the English-speaking members.
      await page.locator("#segment-filter select").selectOption(englishSegment);
      await page.locator("#segment-filter button").click();
      await page.waitForURL(/segmentId=/);
      const sent = Number(await page.locator("#kpis .kpi .v").first().textContent());
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(total);

      // The CSV (behind the console session): a header and one line per member of the segment.
      const href = await page.locator("#csv").getAttribute("href");
      const csv = await page.request.get(`${s.url}${href}`);
      expect(csv.status()).toBe(200);
      expect(csv.headers()["content-type"]).toContain("text/csv");
      const lines = (await csv.text()).trim().split("\r\n");
      expect(lines[0]).toContain("q1 Bạn hay gọi món gì?");
      expect(lines).toHaveLength(sent + 1);

      // Another survey id: the console's not-found page.
      const missing = await page.request.get(`${s.url}/console/surveys/srv_nope`);
      expect(missing.status()).toBe(404);
      expect(errors, errors.join("\n")).toEqual([]);
      await context.close();
    });
  }
});

describe("console survey editor (drafts) in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: edits a draft with errors in place; a sent survey has no editor`, async () => {
      const api = apiClient(s.url, apiKey);
      const draft = await api("POST", "/v1/surveys", {
        name: `Nháp ${vp.label}`,
        questions: [
          {
            type: "choice",
            text: { vi: "Bạn thích món nào?", en: "Which do you like?" },
            options: [
              { vi: "Cà phê", en: "Coffee" },
              { vi: "Trà", en: "Tea" },
            ],
          },
        ],
      });
      expect(draft.status).toBe(201);
      const id = draft.body.id;
      const { context, page, errors } = await signedInPage(browser, s.url, apiKey, {
        width: vp.width,
        height: vp.height,
      });

      await page.goto(`${s.url}/console/surveys/${id}`);
      await page.locator("#edit-survey").click();
      await page.locator("#survey-edit").waitFor();
      const form = page.locator("#survey-edit");
      expect(await form.locator("[name='name']").inputValue()).toBe(`Nháp ${vp.label}`);
      expect(await form.locator("[name='questions.0.options']").inputValue()).toBe("Cà phê | Coffee\nTrà | Tea");
      // A choice with one option and a rating without text: refused, each error under its own field.
      await form.locator("[name='questions.0.options']").fill("Cà phê | Coffee");
      await form.locator("[name='questions.1.type']").selectOption("rating");
      await form.locator("#save").click();
      await page.locator(".flash.bad").waitFor();
      await page.locator(".err[data-field='questions.0.options']").waitFor();
      await page.locator(".err[data-field='questions.1.text']").waitFor();
      expect(await page.locator(".err[data-field='questions.0.options']").textContent()).toContain("2–6 lựa chọn");
      // What was typed is kept.
      expect(await form.locator("[name='questions.0.options']").inputValue()).toBe("Cà phê | Coffee");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(vp.width);
      await shot(page, `survey-edit-errors${vp.suffix}`);

      await form.locator("[name='name']").fill(`Góp ý ${vp.label}`);
      await form.locator("[name='questions.0.options']").fill("Cà phê | Coffee\nTrà | Tea\nBánh | Pastry");
      await form.locator("[name='questions.1.text.vi']").fill("Bạn chấm quán mấy sao?");
      await form.locator("[name='questions.1.text.en']").fill("How many stars?");
      await form.locator("[name='points']").fill("15");
      await form.locator("[name='afterOrder']").check();
      await form.locator("[name='afterOrder.delayHours']").fill("3");
      await form.locator("#save").click();
      await page.locator("h1", { hasText: `Góp ý ${vp.label}` }).waitFor();
      await page.locator(".flash", { hasText: "Đã lưu khảo sát." }).waitFor();
      // (A full-page screenshot right before a click can swallow the click in headless Chromium: shots come after.)
      await shot(page, `survey-edited${vp.suffix}`);
      const saved = (await api("GET", `/v1/surveys/${id}`)).body;
      expect(saved).toMatchObject({
        name: `Góp ý ${vp.label}`,
        points: 15,
        afterOrder: { delayHours: 3 },
        draft: true,
      });
      expect(saved.questions).toEqual([
        {
          type: "choice",
          text: { vi: "Bạn thích món nào?", en: "Which do you like?" },
          options: [
            { vi: "Cà phê", en: "Coffee" },
            { vi: "Trà", en: "Tea" },
            { vi: "Bánh", en: "Pastry" },
          ],
        },
        { type: "rating", text: { vi: "Bạn chấm quán mấy sao?", en: "How many stars?" } },
      ]);

      // The sent survey: no edit link, and its editor answers 409 with the reason.
      await page.goto(`${s.url}/console/surveys/${surveyId}`);
      await page.locator("#kpis").waitFor();
      expect(await page.locator("#edit-survey").count()).toBe(0);
      const locked = await page.request.get(`${s.url}/console/surveys/${surveyId}/edit`);
      expect(locked.status()).toBe(409);
      expect(await locked.text()).toContain("không sửa được nữa");
      expect(errors, errors.join("\n")).toEqual([]);
      await context.close();
    });
  }

  for (const vp of VIEWPORTS)
    it(`${vp.label}: Send to segment — a blocking budget's 409 shown on the page, a warning flashed`, async () => {
      const api = apiClient(s.url, apiKey);
      const draft = await api("POST", "/v1/surveys", {
        name: `Gửi thử ${vp.label}`,
        points: 20,
        segmentId: englishSegment,
        questions: [{ type: "rating", text: { vi: "Bạn chấm quán mấy sao?", en: "How many stars?" } }],
      });
      expect(draft.status).toBe(201);
      const id = draft.body.id;
      const settings = { monthly: { points: 1, spend: null }, pointValue: { amount: 5, points: 1 } };
      expect((await api("PUT", "/v1/budget/settings", { ...settings, enforcement: "block" })).status).toBe(200);
      const { context, page, errors } = await signedInPage(browser, s.url, apiKey, {
        width: vp.width,
        height: vp.height,
      });

      await page.goto(`${s.url}/console/surveys/${id}`);
      const button = page.locator("#send-survey-button", { hasText: "Gửi tới phân khúc" });
      // Reachable without sideways scrolling at either size.
      const box = await button.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(vp.width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(vp.width);
      await button.click();
      await page.locator(".flash.bad", { hasText: "Vượt ngân sách tháng" }).waitFor();
      expect((await api("GET", `/v1/surveys/${id}`)).body).toMatchObject({ sentAt: null, draft: true });
      await shot(page, `survey-send-blocked${vp.suffix}`);

      expect((await api("PUT", "/v1/budget/settings", { ...settings, enforcement: "warn" })).status).toBe(200);
      await page.locator("#send-survey-button").click();
      await page.locator(".flash", { hasText: "vượt ngân sách tháng này" }).waitFor();
      expect(await page.locator("#send-survey").count()).toBe(0);
      expect((await api("GET", `/v1/surveys/${id}`)).body).toMatchObject({
        draft: false,
        budgetCheck: { outcome: "warned" },
      });
      expect(errors, errors.join("\n")).toEqual([]);
      await context.close();
    });
});
