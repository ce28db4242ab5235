/**
 * Free-text questions with template answers (issue 14): what the points buy now and the next reward, the expiry
 * schedule, tier progress — in the language the question is written in, on the simulator, Telegram and Zalo, and
 * before the LLM assistant (which is never called for them).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telegramTextUpdate } from "../fakes/telegram-server.ts";
import { zaloTextUpdate } from "../fakes/zalo-server.ts";
import { createConversation } from "../../bots/core/conversation.ts";
import { matchKeywords, matchQuestion } from "../../bots/core/intents.ts";
import { questionLang } from "../../bots/core/language.ts";
import { silentLogger } from "../../src/lib/log.ts";
import * as harness from "./harness.ts";
import type { BotHarness, Shop } from "./harness.ts";

const { addMember, linkCode, newTelegramUser, newZaloUser, setupShop, startBotHarness, tgTexts, zaloTexts } = harness;

let h: BotHarness;
let shop: Shop;
let enMember: string;
beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
  enMember = await addMember(h.s, shop, "en");
});
afterAll(async () => {
  await h?.close();
});

let clientSeq = 0;
async function simulatorChat(memberId: string) {
  const clientId = `questions-client-${String(clientSeq++).padStart(8, "0")}`;
  const say = async (text: string): Promise<string> => {
    const r = await fetch(`${h.s.url}/simulator/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId, text }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { messages: { text: string }[] };
    return body.messages.map((m) => m.text).join("\n");
  };
  await say(`/start ${await linkCode(shop, memberId)}`);
  return say;
}

const VI = {
  affordable:
    "Dạ, với 150 điểm bạn đổi được ngay:\n• Voucher 50.000 ₫: 80 điểm\n• Cà phê sữa đá: 30 điểm\nQuà tiếp theo: Ly giữ nhiệt (500 điểm) — bạn cần thêm 350 điểm.",
  expiry: "Dạ, lịch hết hạn 150 điểm của bạn:\n• 10/12/2026: 150 điểm\nĐiểm cũ được dùng trước khi bạn đổi quà.",
  tier: "Dạ, hạng hiện tại của bạn: Bạc.\nĐể lên hạng Vàng (từ 2.000.000 ₫), bạn chi tiêu thêm 500.000 ₫.\nHạng được tính theo chi tiêu trong 365 ngày gần nhất (bạn đã chi 1.500.000 ₫).",
};
const EN = {
  affordable:
    "With 150 points you can get right now:\n• Voucher 50.000 ₫: 80 pts\n• Cà phê sữa đá: 30 pts\nNext reward: Ly giữ nhiệt (500 pts) — 350 more points needed.",
  expiry: "When your 150 points expire:\n• 10 Dec 2026: 150 pts\nYour oldest points are used first when you redeem.",
  tier: "Your tier: Bạc.\nTo reach Vàng (from 2,000,000 ₫), spend 500,000 ₫ more.\nTiers count what you spent in the last 365 days (1,500,000 ₫ so far).",
};

describe("question matching and language (pure)", () => {
  it("recognises the three questions in vi (with and without diacritics) and en", () => {
    const cases: [string, string][] = [
      ["what can I get for my points?", "affordable"],
      ["What could I redeem with my points", "affordable"],
      ["đổi được gì", "affordable"],
      ["điểm của tôi đổi được gì vậy?", "affordable"],
      ["doi duoc gi", "affordable"],
      ["when do my points expire?", "expiry"],
      ["khi nào điểm hết hạn", "expiry"],
      ["diem cua toi bao gio het han", "expiry"],
      ["how do I reach Gold?", "tierProgress"],
      ["how can I get to the next tier", "tierProgress"],
      ["làm sao lên hạng Vàng", "tierProgress"],
      ["lam sao len hang vang", "tierProgress"],
    ];
    for (const [text, kind] of cases) {
      expect(matchQuestion(text)?.kind, text).toBe(kind);
      expect(matchKeywords(text).kind, text).toBe(kind);
    }
    // The catalog and the balance keep their own paths.
    expect(matchQuestion("what rewards can I get")).toBeUndefined();
    expect(matchQuestion("điểm của tôi")).toBeUndefined();
    expect(matchQuestion("how many points do I have?")).toBeUndefined();
  });

  it("tells the language of a question; single words say nothing", () => {
    expect(questionLang("what can I get for my points?")).toBe("en");
    expect(questionLang("how do I reach Gold?")).toBe("en");
    expect(questionLang("đổi được gì")).toBe("vi");
    expect(questionLang("khi nao diem het han")).toBe("vi");
    expect(questionLang("lam sao len hang vang")).toBe("vi");
    for (const word of ["menu", "voucher", "ok", "help", "rewards", "/points", "12345"])
      expect(questionLang(word), word).toBeUndefined();
  });
});

describe("template answers in the simulator", () => {
  it("a Vietnamese member asking in Vietnamese gets Vietnamese, from the database", async () => {
    const say = await simulatorChat(shop.memberId);
    expect(await say("đổi được gì")).toBe(VI.affordable);
    expect(await say("khi nào điểm hết hạn")).toBe(VI.expiry);
    expect(await say("làm sao lên hạng Vàng")).toBe(VI.tier);
    // Without diacritics too.
    expect(await say("doi duoc gi")).toBe(VI.affordable);
  });

  it("an English member asking in English gets English", async () => {
    const say = await simulatorChat(enMember);
    expect(await say("what can I get for my points?")).toBe(EN.affordable);
    expect(await say("when do my points expire?")).toBe(EN.expiry);
    expect(await say("how do I reach Gold?")).toBe(EN.tier);
  });

  it("mixed: the question's language wins, for that reply only", async () => {
    const vi = await simulatorChat(shop.memberId);
    expect(await vi("what can I get for my points?")).toBe(EN.affordable);
    expect(await vi("how do I reach Gold?")).toBe(EN.tier);
    // The stored language is unchanged: a command is still answered in Vietnamese.
    expect(await vi("/points")).toContain("Dạ, bạn đang có 150 điểm.");
    const en = await simulatorChat(enMember);
    expect(await en("khi nào điểm hết hạn")).toBe(VI.expiry);
    expect(await en("/points")).toContain("You have 150 points.");
  });

  it("the expiry schedule lists each day's lots, soonest first; tiers already held are said so", async () => {
    const m = await addMember(h.s, shop, "en", "Jane Doe");
    const say = await simulatorChat(m);
    h.clock.advance(5 * 86_400_000);
    try {
      await checkLaterOrder(m, say);
    } finally {
      h.clock.advance(-5 * 86_400_000);
    }
  });

  async function checkLaterOrder(m: string, say: (text: string) => Promise<string>) {
    const o = await shop.api("POST", "/v1/orders", {
      externalId: `POS-late-${m}`,
      memberId: m,
      placedAt: h.clock.now().toISOString(),
      items: [{ sku: "CF-01", quantity: 1, unitPrice: 600_000 }],
    });
    expect(o.status).toBe(201);
    expect(await say("when do my points expire?")).toBe(
      "When your 210 points expire:\n• 10 Dec 2026: 150 pts\n• 15 Dec 2026: 60 pts\nYour oldest points are used first when you redeem.",
    );
    // 2.100.000 ₫ spent: already Vàng, the top tier.
    expect(await say("how do I reach Gold?")).toBe(
      "You're already Vàng.\nTiers count what you spent in the last 365 days (2,100,000 ₫ so far).",
    );
    expect(await say("how do I reach silver tier?")).toBe(
      "You're already Vàng.\nTiers count what you spent in the last 365 days (2,100,000 ₫ so far).",
    );
  }

  it("an unlinked chat gets the how-to-link message, never member data", async () => {
    const r = await fetch(`${h.s.url}/simulator/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: "questions-unlinked-0001", text: "what can I get for my points?" }),
    });
    const text = ((await r.json()) as { messages: { text: string }[] }).messages.map((m) => m.text).join("\n");
    expect(text).not.toContain("150");
    expect(text).toMatch(/link/i);
  });
});

describe("template answers on Telegram and Zalo (the same core)", () => {
  it("Telegram: vi and en questions, answered in the question's language", async () => {
    const user = newTelegramUser();
    await h.telegram(telegramTextUpdate(`/start ${await linkCode(shop)}`, user));
    for (const [q, a] of [
      ["đổi được gì", VI.affordable],
      ["what can I get for my points?", EN.affordable],
      ["when do my points expire?", EN.expiry],
      ["làm sao lên hạng Vàng", VI.tier],
    ]) {
      h.tg.reset();
      expect((await h.telegram(telegramTextUpdate(q!, user))).status).toBe(200);
      expect(tgTexts(h.tg, user.id).at(-1)).toBe(a);
    }
  });

  it("Zalo: the answer and its choices in the question's language", async () => {
    const user = newZaloUser();
    await h.zaloHook(zaloTextUpdate(`/start ${await linkCode(shop)}`, user));
    h.zalo.reset();
    expect((await h.zaloHook(zaloTextUpdate("how do I reach Gold?", user))).status).toBe(200);
    const text = zaloTexts(h.zalo, user.id).at(-1)!;
    expect(text.startsWith(EN.tier)).toBe(true);
    expect(text).toContain("Reply with a number to choose:");
    h.zalo.reset();
    await h.zaloHook(zaloTextUpdate("khi nào điểm hết hạn", user));
    expect(zaloTexts(h.zalo, user.id).at(-1)!.startsWith(VI.expiry)).toBe(true);
  });
});

describe("before the LLM assistant", () => {
  it("the assistant is not consulted for these questions; other free text still reaches it", async () => {
    const asked: string[] = [];
    const conv = createConversation({
      db: h.database.db,
      clock: h.clock,
      logger: silentLogger,
      config: { DEFAULT_MERCHANT_ID: shop.merchantId },
      assistant: async (input) => {
        asked.push(input.text);
        return [{ text: `model (${input.lang})` }];
      },
    });
    const chat = { channel: "web" as const, userId: "questions-llm-000001", chatId: "questions-llm-000001" };
    await conv.handle({ ...chat, text: `/start ${await linkCode(shop)}` });
    const one = async (text: string) => (await conv.handle({ ...chat, text })).map((r) => r.text).join("\n");
    expect(await one("what can I get for my points?")).toBe(EN.affordable);
    expect(await one("khi nào điểm hết hạn")).toBe(VI.expiry);
    expect(await one("làm sao lên hạng Vàng")).toBe(VI.tier);
    expect(asked).toEqual([]);
    // Other free text goes to the model, in the member's language (its reply validator holds it to that).
    expect(await one("do you have oat milk today?")).toBe("model (vi)");
    expect(await one("hôm nay có sữa yến mạch không?")).toBe("model (vi)");
    expect(asked).toHaveLength(2);
  });
});
