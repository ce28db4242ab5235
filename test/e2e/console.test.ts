/**
 * The merchant console in a real browser (Debian chromium via playwright-core), desktop and a 390×844 phone: sign
 * in, the overview's KPIs and uPlot charts, find a member and adjust points (checked in the database), a link code
 * with its QR code, add a reward, switch language, sign out. Screenshots go to test-results/console/ (git-ignored);
 * `UPDATE_DOCS=1` also copies the desktop ones to docs/console-*.png.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { getProgram } from "../../src/program/service.ts";
import { members, rewards } from "../../src/db/schema.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/console`;

let s: TestServer;
let browser: Browser;
let apiKey: string;
let merchantId: string;
beforeAll(async () => {
  s = await startTestServer();
  ({ apiKey, merchantId } = await seedDemo(s.database.db, s.clock.now()));
  mkdirSync(SHOTS, { recursive: true });
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

async function shot(page: Page, name: string, docs: boolean) {
  const file = `${SHOTS}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  if (docs && process.env.UPDATE_DOCS === "1")
    copyFileSync(file, `${root}docs/console-${name.replace(/-desktop$/, "")}.png`);
}

/** Nothing wider than the viewport (no sideways scrolling on a phone). */
async function fitsWidth(page: Page, width: number) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scroll).toBeLessThanOrEqual(width);
}

async function balanceOf(name: string) {
  const [m] = await s.database.db.select().from(members).where(eq(members.name, name));
  return m!.pointsTotal;
}

const VIEWPORTS = [
  { label: "desktop", width: 1280, height: 900, docs: true },
  { label: "phone", width: 390, height: 844, docs: false },
];

describe("merchant console in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: sign in, overview, member adjust + link code, add a reward, language, sign out`, async () => {
      const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
      const page = await context.newPage();
      const errors: string[] = [];
      // Script errors and CSP violations show up as console errors; failed loads are checked by status below.
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
      });
      const failed: string[] = [];
      page.on("response", (r) => {
        const path = new URL(r.url()).pathname;
        if (r.status() >= 400 && path !== "/favicon.ico") failed.push(`${r.status()} ${path}`);
      });
      page.on("pageerror", (e) => errors.push(String(e)));

      // Signed out: any page leads to sign-in; a wrong key is refused in place.
      await page.goto(`${s.url}/console/members`);
      expect(new URL(page.url()).pathname).toBe("/console/sign-in");
      await page.locator("#key").fill("ck_live_wrong");
      await page.locator("#go").click();
      await page.locator(".flash.bad", { hasText: /không hợp lệ/ }).waitFor();
      await shot(page, `sign-in-${vp.label}`, vp.docs);
      await page.locator("#key").fill(apiKey);
      await page.locator("#go").click();

      // Overview: KPIs with comparisons and two uPlot charts (canvas), no console errors (CSP would report them).
      await page.locator("#kpis .kpi").first().waitFor();
      expect(await page.locator("#kpis .kpi").count()).toBe(11);
      expect(await page.locator("#kpis .kpi .v").first().textContent()).toBe("5");
      await page.locator("#chart-orders .uplot canvas").waitFor();
      await page.locator("#chart-points .uplot canvas").waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `overview-${vp.label}`, vp.docs);

      // Members: live search (htmx) by name, then the member's page.
      await page.locator("nav.main a", { hasText: "Thành viên" }).click();
      await page.locator("#member-table").waitFor();
      await page.locator("#q").fill("Trần Thị");
      await page.locator("#member-table tbody tr", { hasText: "Trần Thị Mai" }).waitFor();
      await expectRows(page, 1);
      await page.locator("#q").fill("0987654321");
      await page.locator("#member-table tbody tr", { hasText: "Trần Thị Mai" }).waitFor();
      await page.locator("#member-table a", { hasText: "Trần Thị Mai" }).click();
      await page.locator("#ledger").waitFor();
      const before = await balanceOf("Trần Thị Mai");
      await page.locator("#adjust input[name=points]").fill("75");
      await page.locator("#adjust input[name=reason]").fill(`Khách quen ${vp.label}`);
      await page.locator("#adjust button").click();
      await page.locator(".flash", { hasText: "Đã điều chỉnh điểm" }).waitFor();
      expect(await balanceOf("Trần Thị Mai")).toBe(before + 75);
      await page.locator("#ledger td", { hasText: `Khách quen ${vp.label}` }).waitFor();
      await page.locator("#make-link").click();
      await page.locator("#qr svg").waitFor();
      expect(await page.locator("#link-code").textContent()).toMatch(/^[A-Z0-9]{8}$/);
      await fitsWidth(page, vp.width);
      await shot(page, `member-${vp.label}`, vp.docs);

      // Rewards: add one, see it listed, and in the database for this merchant.
      await page.locator("nav.main a", { hasText: "Quà đổi điểm" }).click();
      const name = `Trà đào ${vp.label}`;
      await page.locator("#add-reward input[name=name]").fill(name);
      await page.locator("#add-reward select[name=kind]").selectOption("product");
      await page.locator("#add-reward input[name=cost]").fill("150");
      await page.locator("#add-reward input[name=stock]").fill("20");
      await page.locator("#add-reward button").click();
      await page.locator(`#rewards tr[data-reward="${name}"]`).waitFor();
      const [r] = await s.database.db.select().from(rewards).where(eq(rewards.name, name));
      expect(r).toMatchObject({ merchantId, cost: 150, stock: 20, kind: "product", active: true });
      await fitsWidth(page, vp.width);
      await shot(page, `rewards-${vp.label}`, vp.docs);

      // Program: change the earn rate; an invalid value is shown in place first.
      await page.locator("nav.main a", { hasText: "Chương trình" }).click();
      await page.locator("#program input[name='earn.points']").fill("0");
      await page.locator("#program button[type=submit]").click();
      await page.locator("#program [data-field='earn.points']").waitFor();
      await page.locator("#program input[name='earn.points']").fill("2");
      await page.locator("#program button[type=submit]").click();
      await page.locator(".flash", { hasText: "Đã lưu chương trình" }).waitFor();
      expect((await getProgram(s.database.db, merchantId)).earn.points).toBe(2);
      await fitsWidth(page, vp.width);
      await shot(page, `program-${vp.label}`, vp.docs);

      // Segments: the built-ins with counts; a rule typed in the editor shows its live count (htmx), then is saved.
      await page.locator("nav.main a", { hasText: "Phân khúc" }).click();
      await page.locator('#segments tr[data-segment-id="recent-28"]').waitFor();
      await page.locator("#preview-count").waitFor();
      await page.locator("#rule").fill(JSON.stringify({ all: [{ field: "language", op: "eq", value: "en" }] }));
      await page.locator("#preview-count", { hasText: /^1$/ }).waitFor();
      await page.locator("#preview-sample td", { hasText: "Emily Carter" }).waitFor();
      const segName = `English ${vp.label}`;
      await page.locator("#new-segment input[name=name]").fill(segName);
      await page.locator("#new-segment button[type=submit]").click();
      await page.locator(`#segments tr[data-segment="${segName}"] td.n`, { hasText: /^1$/ }).waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `segments-${vp.label}`, vp.docs);

      // Language switch: English copy, same page.
      await page.locator("nav.main a", { hasText: "Quà đổi điểm" }).click();
      await page.locator("#lang").click();
      await page.locator("h1", { hasText: "Rewards" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/console/rewards");
      await page.locator("#lang").click();
      await page.locator("h1", { hasText: "Quà đổi điểm" }).waitFor();

      // Sign out: the cookie is gone and pages lead to sign-in again.
      await page.locator("#sign-out").click();
      await page.locator("#key").waitFor();
      expect((await context.cookies()).some((c) => c.name === "cl_session")).toBe(false);
      await page.goto(`${s.url}/console`);
      expect(new URL(page.url()).pathname).toBe("/console/sign-in");

      expect(errors).toEqual([]);
      expect(failed).toEqual(["401 /console/sign-in", "400 /console/program"]);
      await context.close();
      // One long walk through every page: more than the project default on a shared machine.
    }, 240_000);
  }
});

async function expectRows(page: Page, n: number) {
  // htmx swaps the results in after a short debounce: wait for the filtered table.
  await expect.poll(() => page.locator("#member-table tbody tr").count(), { timeout: 10_000 }).toBe(n);
}
