/**
 * The program page's marketing consent mode in a real browser (Debian chromium via playwright-core): the select shows
 * the program's mode (default "link"), switching to strict opt-in and saving is read back through GET /v1/program,
 * the English copy names the same choice, and a forged value is refused in place (400) without changing the program.
 */
import { signedInPage } from "./console-page.ts";
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../src/demo/seed.ts";
import { apiClient, startTestServer, type TestServer } from "../helpers/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/consent`;

let s: TestServer;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  s = await startTestServer();
  ({ apiKey } = await seedDemo(s.database.db, s.clock.now()));
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

describe("program consent mode in the console, in Chromium", () => {
  it("sets strict opt-in on the program page and the API reads it back", async () => {
    const api = apiClient(s.url, apiKey);
    const before = await api("GET", "/v1/program");
    expect((before.body as { consentMode: string }).consentMode).toBe("link");

    const { context, page, errors } = await signedInPage(browser, s.url, apiKey, { width: 1366, height: 900 });

    await page.goto(`${s.url}/console/program`);
    const select = page.locator('#program select[name="consentMode"]');
    expect(await select.inputValue()).toBe("link");
    await page.locator("#program label", { hasText: "Cách thành viên đồng ý" }).waitFor();
    await select.selectOption("explicit");
    await page.locator("#program button[type=submit]").click();
    await page.locator(".flash", { hasText: "Đã lưu chương trình." }).waitFor();
    expect(await page.locator('#program select[name="consentMode"]').inputValue()).toBe("explicit");

    const after = await api("GET", "/v1/program");
    expect(after.status).toBe(200);
    const program = after.body as { consentMode: string; earn: { points: number } };
    expect(program.consentMode).toBe("explicit");
    // The rest of the program is kept as it was.
    expect(program.earn).toEqual((before.body as { earn: unknown }).earn);

    // English: the same select, its own words.
    await page.locator("#lang").click();
    await page.locator("#program label", { hasText: "How members consent" }).waitFor();
    expect(await page.locator('#program select[name="consentMode"] option:checked').textContent()).toContain(
      "strict opt-in",
    );

    // A value the select does not offer (a forged form) is refused at its field; the program is unchanged.
    await page
      .locator('#program select[name="consentMode"]')
      .evaluate((el) => el.insertAdjacentHTML("beforeend", '<option value="implied">x</option>'));
    await page.locator('#program select[name="consentMode"]').selectOption("implied");
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/console/program") && r.request().method() === "POST"),
      page.locator("#program button[type=submit]").click(),
    ]);
    expect(res.status()).toBe(400);
    await page
      .locator('#program .err[data-field="consentMode"], #program [data-field="consentMode"]')
      .first()
      .waitFor();
    const still = await api("GET", "/v1/program");
    expect((still.body as { consentMode: string }).consentMode).toBe("explicit");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("phone (390×844): the consent card fits the screen, its select usable without sideways scrolling", async () => {
    const { context, page, errors } = await signedInPage(browser, s.url, apiKey, { width: 390, height: 844 });
    await page.goto(`${s.url}/console/program`);
    const select = page.locator('#program select[name="consentMode"]');
    await select.scrollIntoViewIfNeeded();
    const box = await select.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await select.selectOption("link"); // a phone user can change it
    expect(await select.inputValue()).toBe("link");
    const file = `${SHOTS}/consent-phone.png`;
    await page.locator("#program .card", { hasText: "Cách thành viên đồng ý" }).screenshot({ path: file });
    if (process.env.UPDATE_DOCS === "1") copyFileSync(file, `${root}docs/console-consent-phone.png`);
    expect(errors).toEqual([]);
    await context.close();
  });
});
