/**
 * The first run in a real browser (Debian chromium + playwright-core): `npm start` on an empty embedded database,
 * then the printed URLs — the landing page links work, the API reference renders the operations from
 * /v1/openapi.json with its assets served by the app, and `/simulator?code=…` opens already linked.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeServer, type RunningServer } from "../helpers/node-server.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cl-first-run-e2e-"));
let s: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
  s = await startNodeServer({ DATA_DIR: path.join(dir, "data"), DATABASE_URL: "", DEMO_SEED: "true" });
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("first run in Chromium", () => {
  it("landing page: links to console, simulator, reference and health; switches to English", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${s.url}/`);
    await page.locator("#l-docs").waitFor();
    for (const [id, href] of [
      ["#l-console", "/console"],
      ["#l-simulator", "/simulator"],
      ["#l-docs", "/docs"],
      ["#l-health", "/healthz"],
    ] as const)
      expect(await page.locator(id).getAttribute("href")).toBe(href);
    await page.click('.lang button[data-lang="en"]');
    expect(await page.locator("#l-docs b").innerText()).toBe("API reference");
    expect(errors).toEqual([]);
    // (The JSON page that follows makes Chromium ask for /favicon.ico: not an error of the landing page.)
    await page.click("#l-health");
    expect(await page.locator("body").innerText()).toContain('"status"');
    await page.close();
  });

  it("the API reference renders the documented operations (Swagger UI from this origin, strict CSP)", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const external: string[] = [];
    page.on("request", (r) => !r.url().startsWith(s.url) && !r.url().startsWith("data:") && external.push(r.url()));
    await page.goto(`${s.url}/docs`);
    // Swagger UI renders tag by tag: wait for the last tags' operations, not the first one, before counting.
    await page.locator(".opblock-summary-path", { hasText: "/v1/orders" }).first().waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll(".opblock").length > 30, undefined, { timeout: 60_000 });
    expect(await page.locator(".opblock").count()).toBeGreaterThan(30);
    const paths = await page.locator(".opblock-summary-path").allInnerTexts();
    expect(paths.map((p) => p.replace(/\u200b/g, ""))).toContain("/v1/orders");
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);

  it("the printed /simulator?code=… opens the chat linked to a demo member", async () => {
    const url = /(http:\/\/\S+\/simulator\?code=[A-Z0-9_-]+)/.exec(s.stderr())?.[1];
    expect(url).toBeTruthy();
    const port = new URL(s.url).port;
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(url!.replace(/localhost:\d+/, `127.0.0.1:${port}`));
    // Linked at load: the bot confirms the link, and the one-time code left the address bar.
    await page
      .locator(".msg.bot .text", { hasText: /liên kết thành công|Linked!/ })
      .first()
      .waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).search).toBe("");
    await page.close();
  });
});
