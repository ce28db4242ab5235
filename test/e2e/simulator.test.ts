/**
 * A real browser (Debian's chromium through playwright-core; never a downloaded browser) drives /simulator:
 * link with a code, ask for points, redeem a reward with the confirm button, see the balance change.
 * With UPDATE_SIMULATOR_DOCS=1 it also writes docs/simulator.png and docs/simulator-transcript.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { linkCode } from "../bots/harness.ts";
import { hasChromium, useSimulatorSetup } from "./simulator-setup.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const writeDocs = process.env.UPDATE_SIMULATOR_DOCS === "1";

const setup = useSimulatorSetup();

async function botSays(page: Page, text: string | RegExp) {
  await page.locator(".msg.bot .text", { hasText: text }).last().waitFor({ timeout: 10_000 });
}

async function transcript(page: Page): Promise<string> {
  const rows = await page.locator("#log .msg").evaluateAll((els) =>
    els.map((el) => {
      const who = el.classList.contains("me") ? "me" : "bot";
      const text = (el.querySelector(".text")?.textContent ?? "").trim();
      const buttons = Array.from(el.querySelectorAll(".btn")).map((b) => `[${(b.textContent ?? "").trim()}]`);
      return { who, text, buttons };
    }),
  );
  return rows
    .map((r) => {
      const body = r.text
        .split("\n")
        .map((l, i) => (i === 0 ? l : `      ${l}`))
        .join("\n");
      return `${r.who === "me" ? "You:" : "Bot:"} ${body}${r.buttons.length ? `\n      ${r.buttons.join(" ")}` : ""}`;
    })
    .join("\n");
}

describe.skipIf(!hasChromium)("simulator in a real browser", () => {
  it("links with a code, shows points, redeems a reward and the balance changes", async () => {
    const { h, shop, browser } = setup();
    const page = await browser.newPage({ viewport: { width: 480, height: 1750 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${h.s.url}/simulator`);
    await expect(page.title()).resolves.toContain("simulator");

    // Link with a one-time code (typed in lower case: codes are case-insensitive).
    const code = await linkCode(shop);
    await page.fill("#code", code.toLowerCase());
    await page.click("#link");
    await botSays(page, "liên kết thành công");
    await botSays(page, "Dạ, bạn đang có 150 điểm.");

    // Ask in free text.
    await page.fill("#text", "điểm của tôi");
    await page.click("#send");
    await page
      .locator(".msg.bot .text", { hasText: "Chi tiêu thêm 500.000 ₫ để lên hạng Vàng." })
      .nth(1)
      .waitFor({ timeout: 10_000 });

    // Rewards → pick one → confirm.
    await page.locator(".msg.bot").last().locator(".btn", { hasText: "Đổi quà" }).click();
    await botSays(page, "quà bạn có thể đổi");
    await page.locator(".msg.bot").last().locator(".btn", { hasText: "Cà phê sữa đá · 30 điểm" }).click();
    await botSays(page, 'xác nhận đổi "Cà phê sữa đá"');
    await page.locator(".msg.bot").last().locator(".btn", { hasText: "Xác nhận đổi" }).click();
    await botSays(page, "đổi quà thành công");
    await botSays(page, "Điểm còn lại: 120.");

    // The balance changed, in the API too.
    await page.locator(".chip", { hasText: "Điểm" }).click();
    await botSays(page, "Dạ, bạn đang có 120 điểm.");
    expect((await shop.api("GET", `/v1/members/${shop.memberId}`)).body.points.balance).toBe(120);

    // English on request.
    await page.click("#lang-en");
    await botSays(page, "Got it — I'll reply in English.");
    await page.fill("#text", "how many points do I have?");
    await page.click("#send");
    await botSays(page, "You have 120 points.");
    expect(errors).toEqual([]);

    const outDir = writeDocs ? join(root, "docs") : join(tmpdir(), "chatloyalty-e2e");
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, "simulator.png"), fullPage: true });
    const text = await transcript(page);
    expect(text).toContain("Bot: 🎉 Dạ, đổi quà thành công: Cà phê sữa đá.");
    writeFileSync(
      join(outDir, "simulator-transcript.md"),
      "```text\n" + text.replace(/\b[ACDEFGHJKMNPQRTUVWXY34679]{10}\b/g, "K7MX9PQ3TA") + "\n```\n",
    );
    await page.close();
  }, 60_000);
});
