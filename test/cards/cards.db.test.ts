/**
 * The loyalty card end to end over loopback HTTP: the Telegram Mini App session (initData signed with the test
 * bot token), the simulator's card, the 30-second code under the FakeClock, the till's scan (fresh, replayed,
 * expired, another merchant's) and the web_app button in the bot's replies through the fake Telegram server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { telegramTextUpdate, TELEGRAM_TEST_TOKEN } from "../fakes/telegram-server.ts";
import { apiClient } from "../helpers/server.ts";
import { linkCode, newTelegramUser, setupShop, startBotHarness, type BotHarness, type Shop } from "../bots/harness.ts";
import { signedInitData } from "./helpers.ts";

const PUBLIC_URL = "https://loyalty.example";
let h: BotHarness;
let shop: Shop;
let other: Shop;
let user: { id: number; first_name: string };

beforeAll(async () => {
  h = await startBotHarness({ env: { PUBLIC_URL, CARD_SECRET: "card-secret-for-tests-0123456789" } });
  shop = await setupShop(h.s);
  other = await setupShop(h.s, { phone: "0987654321" });
  user = newTelegramUser();
  const r = await h.telegram(telegramTextUpdate(`/start ${await linkCode(shop)}`, user));
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.tg.reset();
});

const anon = () => apiClient(h.s.url);
const nowS = () => Math.floor(h.clock.now().getTime() / 1000);
const session = (body: unknown) => anon()("POST", "/card/api/session", body);
async function openCard() {
  const r = await session({ initData: signedInitData(TELEGRAM_TEST_TOKEN, { id: user.id }, nowS() - 5) });
  expect(r.status).toBe(200);
  return r.body as { token: string; card: { code: { value: string; svg: string }; balance: number } };
}
const cardWith = (token: string) => anon()("GET", "/card/api/card", undefined, { authorization: `Bearer ${token}` });
const scan = (s: Shop, code: string) => s.api("POST", "/v1/cards/scan", { code });

describe("card session from Telegram initData", () => {
  it("valid initData → the linked member's card with balance, tier, vouchers, offers and a QR SVG", async () => {
    const { token, card } = await openCard();
    expect(token).toBeTruthy();
    expect(card).toMatchObject({ memberId: shop.memberId, name: "Nguyễn Văn Hoa", lang: "vi", balance: 150 });
    expect(card).toHaveProperty("tier.name", "Bạc");
    expect(card).toHaveProperty("nextTier.name", "Vàng");
    expect(card).toMatchObject({ vouchers: expect.any(Array), offers: expect.any(Array) });
    expect(card.code.svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(card.code.value).toContain(shop.memberId);
  });

  it("forged hash → 401 init-data-invalid; stale auth_date → 401 init-data-stale; missing → 401", async () => {
    const good = signedInitData(TELEGRAM_TEST_TOKEN, { id: user.id }, nowS());
    const forged = await session({ initData: good.replace(/hash=[0-9a-f]{6}/, "hash=abcdef") });
    expect(forged.status).toBe(401);
    expect(forged.body.type).toMatch(/\/init-data-invalid$/);
    const otherBot = await session({ initData: signedInitData("111:not-this-bot", { id: user.id }, nowS()) });
    expect(otherBot.status).toBe(401);
    const stale = await session({ initData: signedInitData(TELEGRAM_TEST_TOKEN, { id: user.id }, nowS() - 3601) });
    expect(stale.status).toBe(401);
    expect(stale.body.type).toMatch(/\/init-data-stale$/);
    const missing = await session({});
    expect(missing.status).toBe(401);
    expect(missing.body.type).toMatch(/\/init-data-missing$/);
    expect((await session({ initData: "" })).status).toBe(401);
  });

  it("a valid but unlinked Telegram user → 404 card-not-linked", async () => {
    const r = await session({ initData: signedInitData(TELEGRAM_TEST_TOKEN, { id: 99_999_001 }, nowS()) });
    expect(r.status).toBe(404);
    expect(r.body.type).toMatch(/\/card-not-linked$/);
  });

  it("the session token refreshes the card; a tampered token → 401", async () => {
    const { token } = await openCard();
    const r = await cardWith(token);
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.body.balance).toBe(150);
    expect((await cardWith(`${token.slice(0, -2)}xx`)).status).toBe(401);
    expect((await anon()("GET", "/card/api/card")).status).toBe(401);
  });
});

describe("the 30-second code", () => {
  it("same code within a step, a new one after 30 s; the previous step still scans, two steps old → 409 expired", async () => {
    const { token } = await openCard();
    const c0 = (await cardWith(token)).body.code.value as string;
    h.clock.advance(10_000);
    expect((await cardWith(token)).body.code.value).toBe(c0);
    h.clock.advance(20_000); // the next step
    const c1 = (await cardWith(token)).body.code.value as string;
    expect(c1).not.toBe(c0);
    // c0 is one step old: still accepted.
    const prev = await scan(shop, c0);
    expect(prev.status).toBe(200);
    expect(prev.body).toMatchObject({ memberId: shop.memberId, balance: 150, tier: "Bạc" });
    h.clock.advance(30_000); // c1 is now one step old (accepted), c0 two steps old
    expect((await scan(shop, c1)).status).toBe(200);
    h.clock.advance(30_000);
    const c2 = (await cardWith(token)).body.code.value as string;
    h.clock.advance(60_000); // c2 is two steps old
    const expired = await scan(shop, c2);
    expect(expired.status).toBe(409);
    expect(expired.body.type).toMatch(/\/card-code-expired$/);
  });
});

describe("POST /v1/cards/scan", () => {
  it("fresh → the member; replayed → 409 card-code-used", async () => {
    const { card } = await openCard();
    const first = await scan(shop, card.code.value);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      memberId: shop.memberId,
      name: "Nguyễn Văn Hoa",
      tier: "Bạc",
      balance: 150,
      phone: "+84912345678",
    });
    const again = await scan(shop, card.code.value);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/card-code-used$/);
  });

  it("another merchant's key → 404; a forged or garbage code → 404; no code → 400; no key → 401", async () => {
    h.clock.advance(30_000);
    const { card } = await openCard();
    const foreign = await scan(other, card.code.value);
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toMatch(/\/card-code-not-found$/);
    const forged = card.code.value.slice(0, -3) + (card.code.value.endsWith("aaa") ? "bbb" : "aaa");
    expect((await scan(shop, forged)).status).toBe(404);
    expect((await scan(shop, "hello")).status).toBe(404);
    expect((await shop.api("POST", "/v1/cards/scan", {})).status).toBe(400);
    expect((await anon()("POST", "/v1/cards/scan", { code: card.code.value })).status).toBe(401);
    // The failed attempts did not use the code up.
    expect((await scan(shop, card.code.value)).status).toBe(200);
  });
});

describe("the web simulator's card", () => {
  it("a linked simulator client gets its member's card; an unlinked one → 404", async () => {
    const clientId = "simclient_card_0001";
    const linked = await anon()("POST", "/simulator/api/messages", {
      clientId,
      text: `/start ${await linkCode(shop)}`,
    });
    expect(linked.status).toBe(200);
    const r = await session({ clientId });
    expect(r.status).toBe(200);
    expect(r.body.card).toMatchObject({ memberId: shop.memberId, balance: 150 });
    expect((await session({ clientId: "simclient_nobody_0001" })).status).toBe(404);
    expect((await session({ clientId: "bad" })).status).toBe(400);
  });
});

describe("the bot's card button", () => {
  it("/points and /start of a linked member carry a web_app button to PUBLIC_URL/card", async () => {
    for (const text of ["/points", "/start"]) {
      h.tg.reset();
      await h.telegram(telegramTextUpdate(text, user));
      const sent = h.tg.succeeded("sendMessage").filter((c) => c.chatId === String(user.id));
      const markup = sent.at(-1)?.payload.reply_markup as { inline_keyboard: Record<string, unknown>[][] };
      expect(markup.inline_keyboard[0]).toEqual([
        { text: "💳 Thẻ thành viên", web_app: { url: `${PUBLIC_URL}/card` } },
      ]);
    }
  });

  it("an unlinked user gets no card button", async () => {
    const stranger = newTelegramUser();
    await h.telegram(telegramTextUpdate("/points", stranger));
    const sent = h.tg.succeeded("sendMessage").filter((c) => c.chatId === String(stranger.id));
    expect(JSON.stringify(sent.map((c) => c.payload.reply_markup))).not.toContain("web_app");
  });

  it("start-up sets the chat menu button to the card", async () => {
    await h.channels.telegram!.registerCommands();
    expect(h.tg.menuButton).toEqual({
      type: "web_app",
      text: "💳 Thẻ thành viên",
      web_app: { url: `${PUBLIC_URL}/card` },
    });
  });
});
