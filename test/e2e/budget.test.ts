/**
 * The Budget page and the compose page's estimate in a real browser (Debian chromium via playwright-core), at
 * 1366×900 and 390×844: the report with its uPlot chart of points issued per month vs the budget, the settings form
 * (an error in place, then saved), the estimate under the compose preview saying the campaign would be blocked, and
 * the blocked send on the campaign's page. Screenshots go to test-results/budget/; `UPDATE_DOCS=1` also copies
 * them to docs/console-budget*.png.
 */
import { signedInPage } from "./console-page.ts";
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { members } from "../../src/db/schema.ts";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/budget`;

let s: TestServer;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  s = await startTestServer();
  let merchantId: string;
  ({ apiKey, merchantId } = await seedDemo(s.database.db, s.clock.now()));
  // Every demo member reachable by ZNS (a Vietnamese mobile number, marketing consent).
  const demo = await s.database.db.select().from(members).where(eq(members.merchantId, merchantId));
  for (const [i, m] of demo.entries())
    await s.database.db
      .update(members)
      .set({ optedIn: true, phone: `+8491300${String(i).padStart(4, "0")}` })
      .where(eq(members.id, m.id));
  const api = apiClient(s.url, apiKey);
  await api("POST", "/v1/segments", { name: "Nhận khuyến mãi", rule: { field: "optedIn", op: "eq", value: true } });
  await api("PUT", "/v1/zns/templates/231001", { name: "Nhắc điểm", tag: "promotion", params: {} });
  await api("PUT", "/v1/zns/settings", { mode: "production", pricePerMessage: 300 });
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function shot(page: Page, name: string, selector?: string) {
  const file = `${SHOTS}/${name}.png`;
  if (selector) await page.locator(selector).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_DOCS === "1") copyFileSync(file, `${root}docs/console-${name}.png`);
}

const VIEWPORTS = [
  { label: "desktop", suffix: "", width: 1366, height: 900 },
  { label: "phone", suffix: "-phone", width: 390, height: 844 },
];

describe("budget in the console, in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: budget report + chart, settings (error, saved), compose estimate, blocked send`, async () => {
      const { context, page, errors } = await signedInPage(browser, s.url, apiKey, {
        width: vp.width,
        height: vp.height,
      });

      await page.locator('nav.main a[href="/console/budget"]').click();
      await page.locator("h1", { hasText: "Ngân sách chương trình" }).waitFor();
      // uPlot drew the chart: a canvas and the two series in the legend.
      await page.locator("#chart-budget canvas").first().waitFor();
      await page.locator("#chart-budget .u-legend", { hasText: "Điểm đã phát" }).waitFor();
      await page.locator("#chart-budget .u-legend", { hasText: "Ngân sách điểm" }).waitFor();

      // A bad value is refused in place; then a blocking budget is saved.
      await page.locator('select[name="enforcement"]').selectOption("block");
      // (The browser itself refuses negative numbers; a point value without its number of points is the server's.)
      await page.locator('input[name="pointValue.amount"]').fill("1");
      await page.locator("#save-budget").click();
      await page.locator('.err[data-field="pointValue.points"]').waitFor();
      await page.locator('input[name="pointValue.amount"]').fill("");
      await page.locator('input[name="monthly.points"]').fill("3000");
      await page.locator('input[name="monthly.spend"]').fill("1000000");
      await page.locator('input[name="month.spend"]').fill("1000");
      await page.locator("#save-budget").click();
      await page.locator(".flash", { hasText: "Đã lưu ngân sách." }).waitFor();
      await page.locator("#chart-budget canvas").first().waitFor();
      expect(await page.locator("#budget-kpis").textContent()).toContain("1.000");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(vp.width);
      await shot(page, `budget${vp.suffix}`);

      // Compose: 5 ZNS messages × 300 ₫ = 1.500 ₫ over the 1.000 ₫ of this month → said before sending.
      await page.goto(`${s.url}/console/campaigns`);
      await page.locator('input[name="name"]').fill(`Nhắc điểm ${vp.label}`);
      await page.locator('select[name="segmentId"]').selectOption({ label: "Nhận khuyến mãi" });
      await page.locator('select[name="channel"]').selectOption("zns");
      await page.locator('select[name="znsTemplateId"]').selectOption("231001");
      await page.locator('textarea[name="message.vi"]').fill("Chào {{firstName}}, bạn có {{points}} điểm");
      // No control group: the compose estimate counts every recipient, the send then the same ones.
      await page.locator('input[name="controlPercent"]').fill("0");
      const estimate = page.locator("#budget-estimate");
      // The preview refreshes as the form changes: wait for the estimate of the finished form.
      await page.locator("#budget-estimate", { hasText: "5 tin ZNS × 300 ₫ + 0 điểm thưởng = 1.500 ₫" }).waitFor();
      expect(await estimate.textContent()).toContain("Chiến dịch sẽ bị chặn.");
      await shot(page, `budget-estimate${vp.suffix}`, "#campaign-preview");

      // Sending anyway: refused on the campaign's page with the reason. (The focused field's change event refreshes
      // the preview once more when it loses focus — whether a request is still due depends on timing: blur it, then
      // wait until htmx has no request or swap in progress, so the click lands on a still page.)
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.waitForFunction(() => !document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping"));
      await page.locator("#budget-estimate", { hasText: "1.500 ₫" }).waitFor();
      const [sent] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/console/campaigns") && r.request().method() === "POST"),
        page.locator("#send-now").click(),
      ]);
      expect(sent.status()).toBe(409);
      await page.locator(".flash.bad", { hasText: "Vượt ngân sách tháng" }).waitFor();
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
