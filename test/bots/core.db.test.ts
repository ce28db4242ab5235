import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation } from "../../bots/core/conversation.ts";
import type { ChatInput, OffersPort } from "../../bots/core/types.ts";
import { loadChatContext } from "../../bots/core/chat-context.ts";
import { DomainError } from "../../src/lib/errors.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createMember } from "../../src/members/service.ts";
import { adjust } from "../../src/rewards/service.ts";
import { createLinkCode } from "../../src/links/service.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

let database: TestDatabase;
const clock = new FakeClock();
let merchantId: string;
let memberId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  merchantId = (await createMerchant(database.db, { name: "Core shop" })).merchantId;
  memberId = (await createMember(database.db, merchantId, { name: "Trần Thị Mai", phone: "0987654321" }, clock.now()))
    .id;
  await adjust(database.db, merchantId, memberId, 200, "welcome", clock.now());
});
afterAll(async () => {
  await database?.close();
});

const config = { DEFAULT_MERCHANT_ID: undefined };
let seq = 0;
async function linkedInput(
  conv: ReturnType<typeof createConversation>,
): Promise<(extra: Partial<ChatInput>) => ChatInput> {
  const userId = `core-user-${seq++}`;
  const { code } = await createLinkCode(database.db, merchantId, memberId, clock.now());
  const base = { channel: "web" as const, userId, chatId: userId };
  await conv.handle({ ...base, text: `/start ${code}` });
  return (extra) => ({ ...base, ...extra });
}

describe("offers port", () => {
  const claimed: string[] = [];
  const offers: OffersPort = {
    async list() {
      return [
        { id: "off_1", text: "Bánh mì giảm 20% khi mua cùng cà phê", expiresAt: new Date("2026-11-27T00:00:00Z") },
        { id: "off_2", text: "Trà đào size L giá 39.000 ₫" },
        { id: "off_3", text: "Tặng topping" },
        { id: "off_4", text: "never shown: at most 3" },
      ];
    },
    async claim(_db, _m, _mem, offerId) {
      if (offerId === "off_gone") throw new DomainError("conflict", "offer-expired", "Expired", "gone");
      claimed.push(offerId);
      return { code: "OFR4KX7M", expiresAt: new Date("2026-11-21T05:00:00Z") };
    },
  };

  it("lists at most 3 offers with claim buttons, and claiming shows the code and validity", async () => {
    const conv = createConversation({ db: database.db, clock, logger: silentLogger, config, offers });
    const input = await linkedInput(conv);
    const [list] = await conv.handle(input({ text: "/offers" }));
    expect(list!.text).toContain("1. Bánh mì giảm 20% khi mua cùng cà phê (đến 27/11/2026)");
    expect(list!.text).not.toContain("never shown");
    expect(list!.buttons!.flat().map((b) => b.data)).toEqual(["oc:off_1", "oc:off_2", "oc:off_3"]);
    const [done] = await conv.handle(input({ button: "oc:off_2" }));
    expect(done!.text).toContain("Mã: OFR4KX7M");
    expect(done!.text).toContain("12:00 21/11/2026");
    expect(claimed).toEqual(["off_2"]);
    const [gone] = await conv.handle(input({ button: "oc:off_gone" }));
    expect(gone!.text).toContain("hết hạn hoặc không còn");
  });

  it("without a port, /offers says there are none right now", async () => {
    const conv = createConversation({ db: database.db, clock, logger: silentLogger, config });
    const input = await linkedInput(conv);
    const [r] = await conv.handle(input({ text: "ưu đãi" }));
    expect(r!.text).toContain("chưa có ưu đãi riêng");
  });
});

describe("assistant hook", () => {
  it("free text goes to the assistant (with the member), commands and codes do not; undefined falls back to intents", async () => {
    const seen: { text: string; member: string | undefined; lang: string }[] = [];
    const conv = createConversation({
      db: database.db,
      clock,
      logger: silentLogger,
      config,
      assistant: async (ctx) => {
        seen.push({ text: ctx.text, member: ctx.member?.id, lang: ctx.lang });
        return ctx.text.includes("weather") ? undefined : [{ text: `LLM: ${ctx.text}` }];
      },
    });
    const input = await linkedInput(conv);
    expect((await conv.handle(input({ text: "tôi nên đổi quà gì?" })))[0]!.text).toBe("LLM: tôi nên đổi quà gì?");
    expect((await conv.handle(input({ text: "/points" })))[0]!.text).toContain("200 điểm");
    expect((await conv.handle(input({ text: "points and weather" })))[0]!.text).toContain("200 điểm");
    expect(seen).toEqual([
      { text: "tôi nên đổi quà gì?", member: memberId, lang: "vi" },
      { text: "points and weather", member: memberId, lang: "vi" },
    ]);
  });

  it("a failing assistant falls back to the intents", async () => {
    const conv = createConversation({
      db: database.db,
      clock,
      logger: silentLogger,
      config,
      assistant: async () => Promise.reject(new Error("LLM down")),
    });
    const input = await linkedInput(conv);
    expect((await conv.handle(input({ text: "điểm của tôi" })))[0]!.text).toContain("200 điểm");
  });
});

describe("free-text rate limit", () => {
  it("10 free-text messages a minute per user, one polite warning, commands keep working, refills with time", async () => {
    const local = new FakeClock();
    const conv = createConversation({ db: database.db, clock: local, logger: silentLogger, config });
    const input = await linkedInput(conv);
    for (let i = 0; i < 10; i++) expect((await conv.handle(input({ text: "xin chào" }))).length).toBe(1);
    expect((await conv.handle(input({ text: "xin chào" })))[0]!.text).toContain("nhắn hơi nhanh");
    expect(await conv.handle(input({ text: "xin chào" }))).toEqual([]);
    expect((await conv.handle(input({ text: "/points" })))[0]!.text).toContain("200 điểm");
    local.advance(60_000);
    expect((await conv.handle(input({ text: "điểm" })))[0]!.text).toContain("200 điểm");
  });

  it("wrong link codes are limited too (5 per 15 minutes)", async () => {
    const conv = createConversation({ db: database.db, clock, logger: silentLogger, config });
    const base = { channel: "web" as const, userId: "brute-forcer-0001", chatId: "brute-forcer-0001" };
    for (let i = 0; i < 5; i++)
      expect((await conv.handle({ ...base, text: `/start WRONG${i}XX` }))[0]!.text).toContain("mã liên kết không đúng");
    const { code } = await createLinkCode(database.db, merchantId, memberId, clock.now());
    expect((await conv.handle({ ...base, text: `/start ${code}` }))[0]!.text).toContain("nhập sai mã nhiều lần");
  });
});

describe("which merchant the bots serve", () => {
  it("DEFAULT_MERCHANT_ID, else the only merchant, else the only non-demo one, else none", async () => {
    const db = (await openTestDatabase()) as TestDatabase;
    // What production runs: cl_chat_context (cl_serving_merchant when no merchant is configured).
    const servingMerchant = async (d: TestDatabase["db"], merchantId: string | undefined) => {
      const c = await loadChatContext(d, { channel: "web", userId: "serving-probe", merchantId, now: clock.now() });
      return c.duplicate ? "duplicate" : c.serving;
    };
    try {
      expect(await servingMerchant(db.db, undefined)).toBeUndefined();
      expect(await servingMerchant(db.db, "mer_x")).toBe("mer_x");
      const demo = await createMerchant(db.db, { name: "Demo", isDemo: true });
      expect(await servingMerchant(db.db, undefined)).toBe(demo.merchantId);
      const real = await createMerchant(db.db, { name: "Real" });
      expect(await servingMerchant(db.db, undefined)).toBe(real.merchantId);
      await createMerchant(db.db, { name: "Second" });
      expect(await servingMerchant(db.db, undefined)).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it("with several shops and no default, a code still links to its own shop", async () => {
    const other = await createMerchant(database.db, { name: "Second shop" });
    const otherMember = await createMember(database.db, other.merchantId, { name: "Lê Minh Tuấn" }, clock.now());
    const conv = createConversation({ db: database.db, clock, logger: silentLogger, config });
    const { code } = await createLinkCode(database.db, other.merchantId, otherMember.id, clock.now());
    const replies = await conv.handle({
      channel: "web",
      userId: "multi-shop-user-01",
      chatId: "multi-shop-user-01",
      text: code,
    });
    expect(replies[0]!.text).toContain("Chào Tuấn!");
    expect(replies[1]!.text).toContain("bạn đang có 0 điểm");
  });

  it("with several shops and no default, the user's own shared contact links when exactly one shop knows the phone", async () => {
    const conv = createConversation({ db: database.db, clock, logger: silentLogger, config });
    const own = await conv.handle({
      channel: "telegram",
      userId: "555001",
      chatId: "555001",
      contact: { phone: "84987654321", userId: "555001" },
    });
    expect(own[0]!.text).toContain("Chào Mai!");
    const other = await createMerchant(database.db, { name: "Third shop" });
    await createMember(database.db, other.merchantId, { name: "Mai 2", phone: "0987654321" }, clock.now());
    const ambiguous = await conv.handle({
      channel: "telegram",
      userId: "555002",
      chatId: "555002",
      contact: { phone: "+84987654321", userId: "555002" },
    });
    expect(ambiguous[0]!.text).toContain("chưa tìm thấy thành viên");
  });
});
