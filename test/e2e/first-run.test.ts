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
    await page.locator(".opblock").first().waitFor({ timeout: 60_000 });
    // Swagger UI 5 virtualises the list once tags + operations reach 150: only what is near the viewport is in the
    // DOM. So scroll to the end, collecting every operation rendered on the way.
    const seen = new Set<string>();
    for (let atEnd = false, i = 0; !atEnd && i < 400; i++) {
      for (const row of await page.locator(".opblock-summary").all()) {
        const method = await row.locator(".opblock-summary-method").innerText();
        const path = (await row.locator(".opblock-summary-path").innerText()).replace(/\u200b/g, "");
        seen.add(`${method} ${path}`);
      }
      atEnd = await page.evaluate(async () => {
        const end = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
        window.scrollBy(0, window.innerHeight * 0.8);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); // let it render the rows
        return end;
      });
    }
    const spec = (await (await fetch(`${s.url}/v1/openapi.json`)).json()) as { paths: Record<string, object> };
    const documented = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.length).toBeGreaterThan(30);
    expect([...seen].sort()).toEqual(documented.sort()); // every documented operation rendered, nothing else
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
