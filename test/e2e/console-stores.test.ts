/**
 * The console's stores page in a real browser (Debian chromium via playwright-core) at 1366×900 and 390×844: add a
 * store (a duplicate code is refused in place), archive one, and the overview's store filter (the order KPIs of one
 * store), a campaign's results by store and "What offers sell" by store. Screenshots go to test-results/console/.
 */
import { signedInPage } from "./console-page.ts";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { apiClient, startTestServer, type Api, type TestServer } from "../helpers/server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/console`;

let s: TestServer;
let browser: Browser;
let apiKey: string;
let api: Api;

beforeAll(async () => {
  s = await startTestServer();
  const seeded = await seedDemo(s.database.db, s.clock.now());
  apiKey = seeded.apiKey;
  api = apiClient(s.url, apiKey);
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const VIEWPORTS = [
  { label: "desktop", suffix: "", width: 1366, height: 900 },
  { label: "phone", suffix: "-phone", width: 390, height: 844 },
];

describe("console stores in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: add, refuse a duplicate code, archive; the overview's store filter`, async () => {
      const { context, page, errors } = await signedInPage(browser, s.url, apiKey, {
        width: vp.width,
        height: vp.height,
      });

      await page.locator("nav.main a", { hasText: "Cửa hàng" }).click();
      await page.locator("h1", { hasText: "Cửa hàng" }).waitFor();
      const code = `Q1${vp.suffix.replace("-", "_")}`;
      const old = `Chi nhánh cũ ${vp.label}`;
      const add = async (c: string, name: string, address = "") => {
        await page.locator("#add-store input[name=code]").fill(c);
        await page.locator("#add-store input[name=name]").fill(name);
        await page.locator("#add-store input[name=address]").fill(address);
        await page.locator("#add-store-button").click();
      };
      await add(code, "Quận 1", "12 Lê Lợi");
      await page.locator("#stores tbody tr", { hasText: code }).waitFor();
      await add(`OLD${vp.suffix.replace("-", "_")}`, old);
      await page.locator("#stores tbody tr", { hasText: old }).waitFor();

      // A duplicate code: refused in place, the typed values kept.
      await add(code, "Trùng mã");
      await page.locator(".err[data-field=code]").waitFor();
      expect(await page.locator("#add-store input[name=name]").inputValue()).toBe("Trùng mã");
      if (vp.label === "desktop") await shot(page, "stores-duplicate");

      // Archive: the store moves to the archived list.
      await page.locator("#stores tbody tr", { hasText: old }).locator("button.archive").click();
      await page.locator("#archived-stores tbody tr", { hasText: old }).waitFor();
      expect(await page.locator("#stores tbody tr", { hasText: old }).count()).toBe(0);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(vp.width);
      await shot(page, `stores${vp.suffix}`);

      // Two orders at the new store; the overview filtered by it counts those two.
      const store = (await api("GET", "/v1/stores")).body.stores.find((x: { code: string }) => x.code === code);
      for (const i of [1, 2])
        expect(
          (
            await api("POST", "/v1/orders", {
              externalId: `store-${vp.label}-${i}`,
              storeId: store.id,
              items: [{ sku: "CF", quantity: 1, unitPrice: 30_000 }],
            })
          ).status,
        ).toBe(201);
      await page.locator("nav.main a", { hasText: "Tổng quan" }).click();
      await page.locator("#store-filter select").selectOption(store.id);
      await page.locator("#store-filter button").click();
      await page.waitForURL(/store=/);
      expect(await page.locator("#kpis .kpi .v").nth(3).textContent()).toBe("2");
      expect(await page.locator("#store-filter select").inputValue()).toBe(store.id);
      const overviewWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(overviewWidth).toBeLessThanOrEqual(vp.width);
      await shot(page, `overview-store${vp.suffix}`);

      // A campaign's results by store: the store select above the progress, the choice kept.
      const seg = (await api("POST", "/v1/segments", { name: `all ${vp.label}`, rule: { all: [] } })).body.id;
      const cmp = (
        await api("POST", "/v1/campaigns", { name: `Store ${vp.label}`, segmentId: seg, message: { vi: "Chào" } })
      ).body.id;
      expect((await api("POST", `/v1/campaigns/${cmp}/send`)).status).toBe(202);
      await page.goto(`${s.url}/console/campaigns/${cmp}`);
      await page.locator("#kpis").waitFor();
      await page.locator("#store-filter select").selectOption(store.id);
      await page.locator("#store-filter button").click();
      await page.waitForURL(/store=/);
      await page.locator("#kpis").waitFor();
      expect(await page.locator("#store-filter select").inputValue()).toBe(store.id);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(vp.width);
      await shot(page, `campaign-store${vp.suffix}`);

      // What offers sell by store: the store select next to the period.
      await page.goto(`${s.url}/console/recommendations?days=30&store=${store.id}`);
      expect(await page.locator("select[name=store]").inputValue()).toBe(store.id);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(vp.width);
      await shot(page, `recommendations-store${vp.suffix}`);
      expect(errors, errors.join("\n")).toEqual([]);
      await context.close();
    });
  }
});
