/** The dashboard in a real browser (Debian chromium via playwright-core): key prompt, KPIs and charts drawn. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { fileURLToPath } from "node:url";
import { seedDemo } from "../../src/demo/seed.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));

let s: TestServer;
let browser: Browser;
let apiKey: string;
beforeAll(async () => {
  s = await startTestServer();
  apiKey = (await seedDemo(s.database.db, s.clock.now())).apiKey;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe("dashboard", () => {
  it("asks for the key, refuses a wrong one, then draws KPIs and charts from the demo shop", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    await page.goto(`${s.url}/dashboard`);
    await page.locator("#key").fill("ck_live_wrong");
    await page.locator("#go").click();
    await page.locator("#loginerr", { hasText: /không hợp lệ/ }).waitFor();
    await page.locator("#key").fill(apiKey);
    await page.locator("#go").click();
    await page.locator(".kpi").first().waitFor();
    expect(await page.locator(".kpi").count()).toBe(12);
    const members = await page.locator(".kpi .v").first().textContent();
    expect(Number(members)).toBe(5);
    expect(await page.locator("#chart-orders polyline").count()).toBe(2);
    expect(await page.locator("#chart-points rect").count()).toBeGreaterThan(0);
    expect(await page.locator("#chart-tiers rect").count()).toBeGreaterThan(0);
    await page.locator("#lang").selectOption("en");
    await page.locator("h2", { hasText: "Orders and revenue per day" }).waitFor();
    if (process.env.UPDATE_DOCS === "1") await page.screenshot({ path: `${root}docs/dashboard.png`, fullPage: true });
    await page.close();
  });
});
