/**
 * The loyalty card page in a real browser (Debian's chromium through playwright-core) at phone size (390×844):
 * opened from the web simulator's "My card" link, and as the Telegram Mini App with signed initData in the launch
 * fragment (tgWebAppData). It shows the balance and the QR code as an SVG, and the code changes after 30 s.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium } from "../helpers/chromium.ts";
import { telegramTextUpdate, TELEGRAM_TEST_TOKEN } from "../fakes/telegram-server.ts";
import { linkCode, newTelegramUser, setupShop, startBotHarness, type BotHarness, type Shop } from "../bots/harness.ts";
import { signedInitData } from "../cards/helpers.ts";

const hasChromium = existsSync(CHROMIUM);

let h: BotHarness;
let shop: Shop;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  h = await startBotHarness({ env: { PUBLIC_URL: "https://loyalty.example", ZALO_BOT_TOKEN: "" } });
  shop = await setupShop(h.s);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe.skipIf(!hasChromium)("the card page in a real browser", () => {
  it("the simulator's My card link shows the linked member's balance and a QR SVG", async () => {
    const page = await browser!.newPage(phone);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${h.s.url}/simulator`);
    await page.fill("#code", await linkCode(shop));
    await page.click("#link");
    await page.locator(".msg.bot .text", { hasText: "liên kết thành công" }).waitFor({ timeout: 10_000 });
    await page.click("#cardlink");
    await page.waitForURL(/\/card\?sim=1$/);
    await page.locator("#qr svg").waitFor({ timeout: 10_000 });
    await expect(page.locator("#balance").textContent()).resolves.toBe("150 điểm");
    await expect(page.locator("#name").textContent()).resolves.toBe("Nguyễn Văn Hoa");
    const box = await page.locator("#qr svg").boundingBox();
    expect(box!.width).toBeGreaterThan(150);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    const code = await page.locator("#codetext").textContent();
    expect(code).toContain(shop.memberId);
    // The code the page shows is the one the till accepts.
    const scanned = await shop.api("POST", "/v1/cards/scan", { code });
    expect(scanned.status).toBe(200);
    expect(scanned.body.memberId).toBe(shop.memberId);
    // CARD_SCREENSHOT=<path.png> keeps a picture of the card (for the docs or a visual check).
    if (process.env.CARD_SCREENSHOT) await page.screenshot({ path: process.env.CARD_SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("as a Telegram Mini App (initData in the launch fragment), refreshing to a new code after 30 s", async () => {
    const user = newTelegramUser();
    expect((await h.telegram(telegramTextUpdate(`/start ${await linkCode(shop)}`, user))).status).toBe(200);
    const initData = signedInitData(TELEGRAM_TEST_TOKEN, { id: user.id }, Math.floor(h.clock.now().getTime() / 1000));
    const page = await browser!.newPage(phone);
    await page.clock.install();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const fragment = new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: "8.0", tgWebAppPlatform: "ios" });
    await page.goto(`${h.s.url}/card#${fragment}`);
    await page.locator("#qr svg").waitFor({ timeout: 10_000 });
    await expect(page.locator("#balance").textContent()).resolves.toBe("150 điểm");
    const first = await page.locator("#codetext").textContent();
    // The server's step moves on; the page's 25-second timer fetches the new code.
    h.clock.advance(30_000);
    await page.clock.runFor(25_000);
    await expect.poll(() => page.locator("#codetext").textContent(), { timeout: 10_000 }).not.toBe(first);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("forged initData shows the error, no card", async () => {
    const page = await browser!.newPage(phone);
    const initData = signedInitData("1:wrong-token", { id: 1 }, Math.floor(h.clock.now().getTime() / 1000));
    await page.goto(`${h.s.url}/card#tgWebAppData=${encodeURIComponent(initData)}`);
    await page.locator("#error:not([hidden])").waitFor({ timeout: 10_000 });
    expect(await page.locator("#content").isHidden()).toBe(true);
    await page.close();
  });
});
