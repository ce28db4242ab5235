/**
 * The first-time member's chat in a real browser (Debian's chromium through playwright-core), at desktop and phone
 * size (issue 14): messages typed while a reply is loading are queued and sent in order (none dropped); the
 * conversation survives a reload in the order it happened; buttons are readable without an emoji font (this machine
 * has none: the label text carries the meaning); free-text questions get their template answers.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { linkCode } from "../bots/harness.ts";
import { hasChromium, useSimulatorSetup } from "./simulator-setup.ts";

const outDir = join(tmpdir(), "chatloyalty-e2e");

const setup = useSimulatorSetup();

async function bubbles(page: Page): Promise<{ who: string; text: string }[]> {
  return page.locator("#log .msg").evaluateAll((els) =>
    els.map((el) => ({
      who: el.classList.contains("me") ? "me" : "bot",
      text: (el.querySelector(".text")?.textContent ?? "").trim(),
    })),
  );
}

const VIEWPORTS = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, isMobile: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true },
];

describe.skipIf(!hasChromium)("simulator: the first-time member's chat", () => {
  for (const v of VIEWPORTS) {
    it(`${v.name}: queued messages go out in order, the conversation survives a reload, buttons read as text`, async () => {
      const { h, shop, browser } = setup();
      mkdirSync(outDir, { recursive: true });
      const context = await browser.newContext({ viewport: v.viewport, isMobile: v.isMobile, hasTouch: v.isMobile });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // Opened already linked (what `npm start` prints for the demo shop).
      await page.goto(`${h.s.url}/simulator?code=${await linkCode(shop)}`);
      await page.locator(".msg.bot .text", { hasText: "150 điểm" }).first().waitFor({ timeout: 15_000 });

      // Hold the first reply until two more messages are typed: they must wait in the queue, not be dropped.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let first = true;
      await page.route("**/simulator/api/messages", async (route) => {
        if (first) {
          first = false;
          await held;
        }
        await route.continue();
      });
      for (const q of ["đổi được gì", "khi nào điểm hết hạn", "how do I reach Gold?"]) {
        await page.fill("#text", q);
        await page.press("#text", "Enter");
      }
      await expect.poll(() => page.locator(".msg.me.queued").count()).toBe(2);
      release();
      await page.locator(".msg.bot .text", { hasText: "To reach Vàng" }).waitFor({ timeout: 15_000 });
      expect(await page.locator(".msg.me.queued").count()).toBe(0);

      const log = await bubbles(page);
      const at = (who: string, s: string) => log.findIndex((b) => b.who === who && b.text.includes(s));
      const order = [
        at("me", "đổi được gì"),
        at("me", "khi nào điểm hết hạn"),
        at("me", "how do I reach Gold?"),
        at("bot", "bạn đổi được ngay"),
        at("bot", "lịch hết hạn 150 điểm"),
        at("bot", "To reach Vàng (from 2,000,000 ₫), spend 500,000 ₫ more."),
      ];
      expect(
        order.every((i) => i >= 0),
        JSON.stringify(log),
      ).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(log.filter((b) => b.who === "bot" && b.text.includes("bạn đổi được ngay"))).toHaveLength(1);

      // Buttons: the label is text; a leading emoji sits apart (decoration only).
      const labels = await page.locator(".btn").evaluateAll((els) =>
        els.map((el) => ({
          label: (el.querySelector(".label")?.textContent ?? "").trim(),
          aria: el.getAttribute("aria-label") ?? "",
          width: el.getBoundingClientRect().width,
          icoHidden: Array.from(el.querySelectorAll(".ico")).every((i) => i.getAttribute("aria-hidden") === "true"),
        })),
      );
      expect(labels.length).toBeGreaterThan(3);
      for (const b of labels) {
        expect(b.label, JSON.stringify(b)).toMatch(/\p{L}{2}/u);
        expect(b.label, JSON.stringify(b)).not.toMatch(/\p{Extended_Pictographic}/u);
        expect(b.aria).toBe(b.label);
        expect(b.width).toBeGreaterThan(20);
        expect(b.icoHidden).toBe(true);
      }
      expect(labels.map((b) => b.label)).toContain("Đổi quà");

      // A button from the answer still works, then the conversation survives a reload in the same order.
      await page.locator(".msg.bot").last().locator(".btn", { hasText: "My points" }).click();
      await page.locator(".msg.bot .text", { hasText: "Dạ, bạn đang có 150 điểm." }).nth(1).waitFor();
      const before = await bubbles(page);
      await page.screenshot({ path: join(outDir, `simulator-chat-${v.name}.png`), fullPage: true });
      await page.reload();
      await expect.poll(async () => (await bubbles(page)).length).toBe(before.length);
      expect(await bubbles(page)).toEqual(before);
      // No horizontal scrolling on a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    }, 90_000);
  }
});
