/**
 * The console's segment export and rule history in a real browser (Debian chromium via playwright-core) at 1366×900
 * and 390×844: "Export CSV" with purpose marketing (opted-in members only) and service (every member) downloads the
 * CSV, whose header and rows are checked; "History" lists the rule versions (version, when, who, the rule).
 * Screenshots go to test-results/console/; `UPDATE_DOCS=1` also copies them to docs/console-segment-*.png.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { members } from "../../src/db/schema.ts";
import { auditLog } from "../../src/audit/tables.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { signedInPage } from "./console-page.ts";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/console`;
const HEADER = "id,name,phone,email,tier,balance,last_order_date,loyalty_terms_consent,marketing_consent";

let s: TestServer;
let browser: Browser;
let apiKey: string;
let merchantId: string;
let segmentId: string;
/** Demo member ids: every one, and the opted-in ones. */
let all: string[];
let optedIn: string[];

beforeAll(async () => {
  s = await startTestServer();
  const seeded = await seedDemo(s.database.db, s.clock.now());
  apiKey = seeded.apiKey;
  merchantId = seeded.merchantId;
  const db = s.database.db;
  const demo = await db.select().from(members).where(eq(members.merchantId, merchantId));
  all = demo.map((m) => m.id).sort();
  // Every other member consents to marketing.
  optedIn = [];
  for (const [i, m] of demo.entries()) {
    await db
      .update(members)
      .set({ optedIn: i % 2 === 0 })
      .where(eq(members.id, m.id));
    if (i % 2 === 0) optedIn.push(m.id);
  }
  optedIn.sort();
  const api = apiClient(s.url, apiKey);
  const created = await api("POST", "/v1/segments", { name: "Mọi người", rule: { all: [] } });
  segmentId = created.body.id;
  // Version 2: renamed, same rule (still everyone).
  expect((await api("PUT", `/v1/segments/${segmentId}`, { name: "Tất cả khách", rule: { all: [] } })).status).toBe(200);
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

/** Submits the row's export form with `purpose`; the browser's download, read back as text. */
async function exportCsv(page: Page, purpose: "marketing" | "service"): Promise<string> {
  await page.locator(`select[data-export-purpose="${segmentId}"]`).selectOption(purpose);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator(`button[data-export="${segmentId}"]`).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`segment-${segmentId}-${purpose}.csv`);
  const path = await download.path();
  return readFileSync(path, "utf8");
}

/** CSV lines (BOM checked and dropped, CRLF ends) → the header and each row's id (first cell; ids need no quoting). */
function parse(csv: string): { header: string; ids: string[]; rows: string[] } {
  expect(csv.startsWith("\uFEFF")).toBe(true);
  expect(csv.endsWith("\r\n")).toBe(true);
  const lines = csv.slice(1, -2).split("\r\n");
  const rows = lines.slice(1);
  return { header: lines[0]!, rows, ids: rows.map((l) => l.split(",")[0]!) };
}

const VIEWPORTS = [
  { label: "desktop", suffix: "", width: 1366, height: 900 },
  { label: "phone", suffix: "-phone", width: 390, height: 844 },
];

describe("console segment export and history in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: export CSV for marketing and service, then the rule history`, async () => {
      const { context, page, errors } = await signedInPage(
        browser,
        s.url,
        apiKey,
        { width: vp.width, height: vp.height },
        { acceptDownloads: true },
      );

      await page.locator("nav.main a", { hasText: "Phân khúc" }).click();
      const row = page.locator(`#segments tr[data-segment-id="${segmentId}"]`);
      await row.waitFor();
      expect(await row.locator("button[data-export]").textContent()).toBe("Xuất CSV");
      const auditBefore = (await s.database.db.select().from(auditLog).where(eq(auditLog.merchantId, merchantId)))
        .length;

      // Marketing: only the opted-in members, by id; every row says marketing_consent true.
      const marketing = parse(await exportCsv(page, "marketing"));
      expect(marketing.header).toBe(HEADER);
      expect(marketing.ids).toEqual(optedIn);
      for (const r of marketing.rows) expect(r.endsWith(",true")).toBe(true);
      expect(marketing.rows.join("\n")).toContain("Nguyễn Văn Hoa");

      // Service: every member; the page did not navigate away.
      const service = parse(await exportCsv(page, "service"));
      expect(service.header).toBe(HEADER);
      expect(service.ids).toEqual(all);
      expect(service.rows.filter((r) => r.endsWith(",false"))).toHaveLength(all.length - optedIn.length);
      expect(new URL(page.url()).pathname).toBe("/console/segments");

      // Both exports are in the audit log, by the console session, with their purpose.
      const audits = await s.database.db.select().from(auditLog).where(eq(auditLog.merchantId, merchantId));
      const exports = audits.slice(auditBefore).filter((a) => a.action === "GET /v1/segments/:id/export");
      expect(exports.map((a) => a.after)).toEqual([{ purpose: "marketing" }, { purpose: "service" }]);
      expect(exports.every((a) => a.actor.startsWith("console:"))).toBe(true);
      expect(exports[0]!.target).toBe(`/console/segments/${segmentId}/export`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(vp.width);
      await shot(page, `segment-export${vp.suffix}`);

      // A purpose that is not one of the two: the segments page with an error, nothing downloaded.
      const bad = await page.request.get(`${s.url}/console/segments/${segmentId}/export?purpose=everything`);
      expect(bad.status()).toBe(400);
      expect(await bad.text()).toContain("Hãy chọn mục đích xuất");

      // History: newest first — version 2 (the rename), version 1 (created), by the API key, with the rule.
      await row.locator("a[data-history]").click();
      await page.locator("h1", { hasText: "Lịch sử quy tắc: Tất cả khách" }).waitFor();
      const versions = page.locator("#versions tbody tr");
      expect(await versions.count()).toBe(2);
      expect(await versions.nth(0).getAttribute("data-version")).toBe("2");
      const cells = await versions.nth(0).locator("td").allTextContents();
      expect(cells[0]).toBe("2");
      expect(cells[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(cells[2]).toMatch(/^API/);
      expect(await versions.nth(0).locator("td[data-actor]").getAttribute("data-actor")).toMatch(/^key:key_/);
      expect(cells[3]).toBe("Sửa");
      expect(cells[4]).toBe("Tất cả khách");
      expect(cells[5]).toBe('{"all":[]}');
      expect(await versions.nth(1).locator("td").nth(3).textContent()).toBe("Tạo");
      expect(await versions.nth(1).locator("td").nth(4).textContent()).toBe("Mọi người");

      // English copy on the same page.
      await page.locator("#lang").click();
      await page.locator("h1", { hasText: "Rule history: Tất cả khách" }).waitFor();
      expect(await versions.nth(0).locator("td").nth(3).textContent()).toBe("Edited");
      const historyWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(historyWidth).toBeLessThanOrEqual(vp.width);
      await shot(page, `segment-history${vp.suffix}`);
      await page.locator("#lang").click();
      await page.locator("h1", { hasText: "Lịch sử quy tắc" }).waitFor();

      // A segment this merchant never had: the console's not-found page.
      const missing = await page.request.get(`${s.url}/console/segments/seg_nope/history`);
      expect(missing.status()).toBe(404);
      expect(errors, errors.join("\n")).toEqual([]);
      await context.close();
    });
  }
});
