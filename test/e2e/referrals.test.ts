/**
 * Referrals in a real browser (Debian chromium via playwright-core) at 1366×900 and 390×844: the console's referrals
 * page (KPIs, leaderboard, referrals with their refusal reasons, the settings form with an error in place) after
 * friends joined through the Telegram fake, and the referral QR on the loyalty card.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TELEGRAM_TEST_TOKEN, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { linkCode, newTelegramUser, setupShop, startBotHarness, type BotHarness, type Shop } from "../bots/harness.ts";
import { signedInitData } from "../cards/helpers.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = `${root}test-results/referrals`;

/** Screenshots go to test-results/referrals/ (git-ignored); `UPDATE_DOCS=1` also copies them to docs/. */
async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const file = `${SHOTS}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_DOCS === "1") copyFileSync(file, `${root}docs/${name}.png`);
}

let h: BotHarness;
let shop: Shop;
let browser: Browser;
let referrerUser: ReturnType<typeof newTelegramUser>;

async function say(user: { id: number }, text: string) {
  expect((await h.telegram(telegramTextUpdate(text, user))).status).toBe(200);
}

beforeAll(async () => {
  h = await startBotHarness({ env: { PUBLIC_URL: "https://loyalty.example", ZALO_BOT_TOKEN: "" } });
  shop = await setupShop(h.s);
  await shop.api("PUT", "/v1/referrals/settings", { enabled: true, welcomePoints: 50, referrerPoints: 100 });
  await shop.api("PUT", "/v1/program", {
    tiers: [{ name: "Bạc", minSpend: 0, multiplier: 1 }],
    pendingDays: 7,
  });
  referrerUser = newTelegramUser();
  await say(referrerUser, `/start ${await linkCode(shop)}`);
  const code = (await shop.api("GET", `/v1/members/${shop.memberId}/referral-link`)).body.code as string;
  // Three friends join; one orders and is past the hold; the referrer's own chat tries too (refused).
  const friends = [newTelegramUser(), newTelegramUser(), newTelegramUser()];
  for (const f of friends) await say(f, `/start ref_${code}`);
  await say(referrerUser, `/start ref_${code}`);
  const list = await shop.api("GET", "/v1/referrals?status=pending");
  const friendId = list.body.referrals[0].friendId as string;
  await shop.api("POST", "/v1/orders", {
    externalId: "REF-ORDER-1",
    memberId: friendId,
    placedAt: h.clock.now().toISOString(),
    items: [{ sku: "CF-01", quantity: 2, unitPrice: 60_000 }],
  });
  await shop.api("POST", "/v1/jobs/referrals");
  h.clock.advanceDays(8);
  expect((await shop.api("POST", "/v1/jobs/referrals")).body.rewarded).toBe(1);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

function watch(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  return errors;
}

async function fitsWidth(page: Page, width: number) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

const VIEWPORTS = [
  { label: "desktop", width: 1366, height: 900 },
  { label: "phone", width: 390, height: 844 },
];

describe("referrals in Chromium", () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.label}: the console's referral KPIs, leaderboard, refusal reasons and settings`, async () => {
      const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
      const page = await context.newPage();
      const errors = watch(page);
      await page.goto(`${h.s.url}/console/sign-in`);
      await page.locator("#key").fill(shop.apiKey);
      await page.locator("#go").click();
      await page.locator("nav.main").waitFor();
      await page.locator("nav.main a", { hasText: "Giới thiệu" }).click();
      await page.locator("#referral-kpis").waitFor();
      const kpis = await page.locator("#referral-kpis .kpi").allTextContents();
      expect(kpis[0]).toContain("Bạn bè tham gia3");
      expect(kpis[1]).toContain("Đơn đầu tiên1");
      expect(kpis[3]).toContain("Đã thưởng người giới thiệu1");
      expect(kpis[5]).toContain("Tự giới thiệu: 1");
      // 3 × 50 welcome + 100 reward.
      expect(kpis[6]).toContain("250");
      await expect(page.locator("#leaderboard tbody tr").first().textContent()).resolves.toContain("Nguyễn Văn Hoa");
      await expect(page.locator("#referrals tbody").textContent()).resolves.toContain("Tự giới thiệu");
      await expect(page.locator("#referrals tbody").textContent()).resolves.toContain("Đã thưởng");
      await fitsWidth(page, vp.width);
      await shot(page, `referrals-console-${vp.label}`);

      // A cap period of 0 days is refused in place; a valid form saves.
      await page.locator('input[name="capPeriodDays"]').fill("0");
      await page.locator("#save-referrals").click();
      await page.locator('.err[data-field="capPeriodDays"]').waitFor();
      expect(await page.locator('input[name="capPeriodDays"]').getAttribute("aria-invalid")).toBe("true");
      await page.locator('input[name="capPeriodDays"]').fill("7");
      await page.locator('input[name="holdDays"]').fill("");
      await page.locator("#save-referrals").click();
      await page.locator(".flash", { hasText: "Đã lưu" }).waitFor();
      const saved = await shop.api("GET", "/v1/referrals/settings");
      expect(saved.body).toMatchObject({ enabled: true, capPeriodDays: 7, holdDays: null, welcomePoints: 50 });
      // English.
      await page.locator("#lang").click();
      await page.locator("h1", { hasText: "Referrals" }).waitFor();
      await expect(page.locator("#referral-kpis").textContent()).resolves.toContain("Friends joined");
      await page.locator("#lang").click();
      expect(errors).toEqual([]);
      await context.close();
    });

    it(`${vp.label}: the loyalty card shows the member's referral QR (the ref_ deep link)`, async () => {
      const initData = signedInitData(
        TELEGRAM_TEST_TOKEN,
        { id: referrerUser.id },
        Math.floor(h.clock.now().getTime() / 1000),
      );
      const page = await browser.newPage({ viewport: { width: vp.width, height: vp.height } });
      const errors = watch(page);
      const fragment = new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: "8.0", tgWebAppPlatform: "ios" });
      await page.goto(`${h.s.url}/card#${fragment}`);
      await page.locator("#referral:not([hidden]) #refqr svg").waitFor({ timeout: 10_000 });
      const code = (await shop.api("GET", `/v1/members/${shop.memberId}/referral-link`)).body.code as string;
      await expect(page.locator("#reftext").textContent()).resolves.toBe(`Mã giới thiệu: ${code}`);
      const session = await fetch(`${h.s.url}/card/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ initData }),
      });
      const card = (await session.json()) as { card: { referral: { value: string } } };
      expect(card.card.referral.value).toBe(`https://t.me/loyalty_test_bot?start=ref_${code}`);
      await fitsWidth(page, vp.width);
      await shot(page, `referrals-card-${vp.label}`);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
