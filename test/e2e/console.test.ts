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
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";
import { channelIdentities } from "../../src/db/schema.ts";
import { deliveries } from "../../src/campaigns/tables.ts";
import { startDeliveryWorker, type DeliveryWorker } from "../../src/campaigns/worker.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";
import { httpTelegramSender } from "../campaigns/helpers.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/console`;

let s: TestServer;
let browser: Browser;
let apiKey: string;
let merchantId: string;
let tg: FakeTelegramServer;
let worker: DeliveryWorker;
beforeAll(async () => {
  s = await startTestServer();
  ({ apiKey, merchantId } = await seedDemo(s.database.db, s.clock.now()));
  // Campaigns go to the fake Telegram Bot API: every demo member opted in and linked to a chat there.
  tg = await FakeTelegramServer.start();
  worker = startDeliveryWorker({
    db: s.database.db,
    senders: { telegram: httpTelegramSender(tg.url, tg.token, 50) },
    clock: s.clock,
    pollMs: 100,
    sweepMs: 500,
    backoffMs: () => 50,
  });
  const demo = await s.database.db.select().from(members).where(eq(members.merchantId, merchantId));
  for (const [i, m] of demo.entries()) {
    await s.database.db.update(members).set({ optedIn: true }).where(eq(members.id, m.id));
    await s.database.db.insert(channelIdentities).values({
      merchantId,
      memberId: m.id,
      channel: "telegram",
      userId: String(9_100_000 + i),
      chatId: String(9_100_000 + i),
      linkedAt: s.clock.now(),
    });
  }
  await apiClient(s.url, apiKey)("POST", "/v1/segments", {
    name: "Linked on Telegram",
    rule: { field: "channel", op: "eq", value: "telegram" },
  });
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
  await worker?.stop();
  await tg?.close();
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
      const { errors, failed } = watch(page);

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

/** Script errors and CSP violations (console errors) and failed responses (checked by status) of a page. */
function watch(page: Page) {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  const failed: string[] = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && path !== "/favicon.ico") failed.push(`${r.status()} ${path}`);
  });
  return { errors, failed };
}

/** Signs in with the demo key in a fresh context; collects script errors and unexpected HTTP errors. */
async function signedIn(vp: { width: number; height: number }) {
  const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
  const page = await context.newPage();
  const { errors, failed } = watch(page);
  await page.goto(`${s.url}/console/sign-in`);
  await page.locator("#key").fill(apiKey);
  await page.locator("#go").click();
  await page.locator("#kpis .kpi").first().waitFor();
  return { context, page, errors, failed };
}

describe("console campaigns, journeys, catalog, recommendations in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: compose + send a campaign to the fake Bot API and watch its KPIs; journey; catalog CSV; recs; program extras`, async () => {
      const { context, page, errors, failed } = await signedIn(vp);
      const sentBefore = tg.sentMessages().length;

      // Campaigns: compose with a live preview for a sample member of the segment, send now, watch progress.
      await page.locator("nav.main a", { hasText: "Chiến dịch" }).click();
      const name = `Cuối tuần ${vp.label}`;
      await page.locator("#new-campaign input[name=name]").fill(name);
      await page.locator("#new-campaign select[name=segmentId]").selectOption({ label: "Linked on Telegram" });
      await page
        .locator("#new-campaign textarea[name='message.vi']")
        .fill("Chào {{firstName}}, bạn có {{points}} điểm!");
      await page
        .locator("#new-campaign textarea[name='message.en']")
        .fill("Hi {{firstName}}, you have {{points}} points!");
      await page.locator("#preview-count", { hasText: /^5$/ }).waitFor();
      await page
        .locator("#campaign-preview .bubble .text", {
          hasText: /^(Chào|Hi) .+, (bạn có|you have) [\d.,]+ (điểm|points)!$/,
        })
        .first()
        .waitFor();
      await page.locator("#new-campaign input[name=controlPercent]").fill("20");
      // Leaving the field fires `change`, which refreshes the preview: let that settle before pressing Send.
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/console/campaigns/preview")),
        page.locator("#new-campaign input[name=controlPercent]").blur(),
      ]);
      await fitsWidth(page, vp.width);
      await shot(page, `campaigns-${vp.label}`, vp.docs);
      await page.locator("#send-now").click();
      await page.locator("#progress[data-status=done]").waitFor({ timeout: 30_000 });
      const rows = await s.database.db.select().from(deliveries).where(eq(deliveries.merchantId, merchantId));
      const mine = rows.filter((d) => d.campaignId && new URL(page.url()).pathname.endsWith(d.campaignId));
      const sent = mine.filter((d) => d.status === "sent");
      expect(mine.length).toBe(5);
      expect(tg.sentMessages().length - sentBefore).toBe(sent.length);
      expect(await page.locator("#counts .kpi .v").nth(1).textContent()).toBe(String(sent.length));
      await page.locator("#kpis").waitFor();
      // A recipient buys an hour later: the page shows the conversion (attribution window after delivery).
      if (sent[0]) {
        s.clock.advance(3_600_000);
        const order = await apiClient(s.url, apiKey)("POST", "/v1/orders", {
          externalId: `e2e-${vp.label}`,
          memberId: sent[0].memberId,
          items: [{ sku: "CF-SUA", quantity: 2, unitPrice: 35_000 }],
        });
        expect(order.status).toBe(201);
        await page.reload();
        await page.locator("#kpis .kpi .v").nth(1).filter({ hasText: /^1$/ }).waitFor();
      }
      await fitsWidth(page, vp.width);
      await shot(page, `campaign-${vp.label}`, vp.docs);

      // Journey: the suggested 7/14/28-day steps; an empty message is refused in place, then saved.
      await page.locator("nav.main a", { hasText: "Hành trình" }).click();
      await page.locator("#journey input[name=enabled]").check();
      await page.locator("#journey textarea[name='steps.0.message.vi']").fill("");
      await page.locator("#journey textarea[name='steps.0.message.en']").fill("");
      await page.locator("#journey button[type=submit]").click();
      await page.locator("#journey [data-field='steps.0.message']").waitFor();
      await page.locator("#journey textarea[name='steps.0.message.vi']").fill("Chào {{firstName}}, lâu rồi không gặp!");
      await page.locator("#journey button[type=submit]").click();
      await page.locator(".flash", { hasText: "Đã lưu hành trình" }).waitFor();
      await page.locator("#journey-kpis").waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `journeys-${vp.label}`, vp.docs);

      // Catalog: a CSV with a bad line is refused whole (line numbers shown), then a good one is imported.
      await page.locator("nav.main a", { hasText: "Sản phẩm" }).click();
      const csv = (body: string) => ({ name: "products.csv", mimeType: "text/csv", buffer: Buffer.from(body) });
      await page
        .locator("#import input[name=csv]")
        .setInputFiles(
          csv("sku,name,category,list_price,margin\nBANH-MI,Bánh mì,food,20000,30\nSINH-TO,Sinh tố,drink,abc,40\n"),
        );
      await page.locator("#import button").click();
      await page.locator('#import-errors li[data-path="lines.3.list_price"]').waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `catalog-error-${vp.label}`, vp.docs);
      await page
        .locator("#import input[name=csv]")
        .setInputFiles(
          csv(
            `sku,name,category,list_price,margin\nBANH-MI,Bánh mì ${vp.label},food,20000,30\nSINH-TO,Sinh tố,drink,45000,40\n`,
          ),
        );
      await page.locator("#import button").click();
      await page.locator('#products tr[data-sku="SINH-TO"]').waitFor();
      await page.locator('#products tr[data-sku="BANH-MI"]', { hasText: `Bánh mì ${vp.label}` }).waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `catalog-${vp.label}`, vp.docs);

      // Recommendations: rebuild the model from the demo orders; top rules and the offers report.
      await page.locator("nav.main a", { hasText: "Gợi ý" }).click();
      await page.locator("#rebuild").click();
      await page.locator(".flash").waitFor();
      await page.locator("#model .kpi").first().waitFor();
      await page.locator("#offers-report").waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `recommendations-${vp.label}`, vp.docs);

      // Program: a points promotion with its end before its start is refused in place, then saved.
      await page.locator("nav.main a", { hasText: "Chương trình" }).click();
      await page.locator("input[name='promotions.0.name']").fill(`Ngày đôi ${vp.label}`);
      await page.locator("input[name='promotions.0.multiplier']").fill("2");
      await page.locator("input[name='promotions.0.startsAt']").fill("2026-12-24T10:00");
      await page.locator("input[name='promotions.0.endsAt']").fill("2026-12-24T08:00");
      await page.locator("#program button[type=submit]").click();
      await page.locator("#program [data-field='promotions.0.endsAt']").waitFor();
      await page.locator("input[name='promotions.0.endsAt']").fill("2026-12-26T22:00");
      await page.locator("input[name='cashback.rate']").fill("0.01");
      await page.locator("#program button[type=submit]").click();
      await page.locator(".flash", { hasText: "Đã lưu chương trình" }).waitFor();
      const program = await getProgram(s.database.db, merchantId);
      expect(program.promotions.map((p) => p.name)).toContain(`Ngày đôi ${vp.label}`);
      expect(program.cashback?.rate).toBe(0.01);
      await fitsWidth(page, vp.width);
      await shot(page, `program-extras-${vp.label}`, vp.docs);

      // Connections: connect a Shopify store (the suggested secret), see the URL to paste, send a test event, read
      // the delivery log.
      await page.locator("nav.main a", { hasText: "Kết nối" }).click();
      await page.locator("#new-integration select[name='platform']").selectOption("shopify");
      await page.locator("#new-integration input[name='shop']").fill(`shop-${vp.label}.myshopify.com`);
      await page.locator("#new-integration button[type=submit]").click();
      await page.locator("#connected #new-url").waitFor();
      expect(await page.locator("#new-url").textContent()).toMatch(/\/hooks\/shopify\//);
      const connection = page.locator("#integrations tr", { hasText: `shop-${vp.label}` });
      await connection.locator("button[type=submit]").click();
      await page.locator(".flash", { hasText: "Sự kiện thử" }).waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `integrations-${vp.label}`, vp.docs);
      await page
        .locator("#integrations tr", { hasText: `shop-${vp.label}` })
        .locator("a")
        .click();
      await page.locator("#deliveries").waitFor();
      await fitsWidth(page, vp.width);
      await shot(page, `integration-deliveries-${vp.label}`, vp.docs);

      expect(errors).toEqual([]);
      expect(failed).toEqual(["400 /console/journeys", "400 /console/catalog/import", "400 /console/program"]);
      await context.close();
    }, 240_000);
  }
});

async function expectRows(page: Page, n: number) {
  // htmx swaps the results in after a short debounce: wait for the filtered table.
  await expect.poll(() => page.locator("#member-table tbody tr").count(), { timeout: 10_000 }).toBe(n);
}
