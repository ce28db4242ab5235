/**
 * The referral path through the chat channels (real app, fake Telegram and Zalo Bot API servers): the member's
 * /invite (share button with the ref_ deep link on Telegram, the "ref <code>" text on Zalo), the friend's
 * `/start ref_<code>` and "ref <code>", and the refusals a friend sees. Link codes keep working as the spec says.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { telegramTextUpdate } from "../fakes/telegram-server.ts";
import { zaloTextUpdate } from "../fakes/zalo-server.ts";
import { channelIdentities } from "../../src/db/schema.ts";
import { referrals } from "../../src/referrals/tables.ts";
import {
  linkCode,
  newTelegramUser,
  newZaloUser,
  setupShop,
  startBotHarness,
  tgTexts,
  zaloTexts,
  type BotHarness,
  type Shop,
} from "../bots/harness.ts";

let h: BotHarness;
let shop: Shop;
let code: string;

beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
  const put = await shop.api("PUT", "/v1/referrals/settings", { enabled: true, welcomePoints: 40, referrerPoints: 90 });
  expect(put.status).toBe(200);
  code = (await shop.api("GET", `/v1/members/${shop.memberId}/referral-link`)).body.code;
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.tg.reset();
  h.zalo.reset();
});

type TgUser = ReturnType<typeof newTelegramUser>;
type ZUser = ReturnType<typeof newZaloUser>;
async function tg(user: TgUser, text: string) {
  expect((await h.telegram(telegramTextUpdate(text, user))).status).toBe(200);
}
async function zalo(user: ZUser, text: string) {
  expect((await h.zaloHook(zaloTextUpdate(text, user))).status).toBe(200);
}
async function memberOf(channel: string, userId: string) {
  const [row] = await h.database.db
    .select({ memberId: channelIdentities.memberId })
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, channel), eq(channelIdentities.userId, userId)));
  return row?.memberId;
}
async function referralOf(friendId: string) {
  return h.database.db.select().from(referrals).where(eq(referrals.friendId, friendId));
}

describe("referrals in chat: the member shares", () => {
  it("Telegram: /invite shows the code, the deep link and a t.me/share button", async () => {
    const user = newTelegramUser();
    await tg(user, `/start ${await linkCode(shop)}`);
    h.tg.reset();
    await tg(user, "/invite");
    const sent = h.tg.succeeded("sendMessage").filter((c) => c.chatId === String(user.id));
    expect(sent).toHaveLength(1);
    const text = String(sent[0]!.payload.text);
    expect(text).toContain(`Mã giới thiệu của bạn: ${code}`);
    expect(text).toContain(`https://t.me/loyalty_test_bot?start=ref_${code}`);
    const kb = sent[0]!.payload.reply_markup as { inline_keyboard: { text: string; url?: string }[][] };
    const share = kb.inline_keyboard[0]![0]!;
    expect(share.text).toContain("Gửi lời mời");
    expect(share.url).toMatch(/^https:\/\/t\.me\/share\/url\?url=/);
    expect(decodeURIComponent(share.url!)).toContain(`start=ref_${code}`);
    // The keyword path, in English.
    await tg(user, "I want to invite a friend");
    expect(tgTexts(h.tg, user.id).at(-1)).toContain(`Your referral code: ${code}`);
  });

  it('Zalo: "giới thiệu bạn" answers with the code and the "ref <code>" text, no link', async () => {
    const user = newZaloUser();
    await zalo(user, `/start ${await linkCode(shop)}`);
    h.zalo.reset();
    await zalo(user, "giới thiệu bạn bè");
    const last = zaloTexts(h.zalo, user.id).at(-1) ?? "";
    expect(last).toContain(`ref ${code}`);
    expect(last).not.toContain("t.me");
  });

  it("an unlinked chat is asked to link first", async () => {
    const user = newTelegramUser();
    await tg(user, "/invite");
    expect(tgTexts(h.tg, user.id).at(-1)).toContain("chưa liên kết");
    await tg(user, "/help");
    expect(tgTexts(h.tg, user.id).at(-1)).toContain("/invite — giới thiệu bạn bè");
  });
});

describe("referrals in chat: the friend joins", () => {
  it("Telegram: /start ref_<code> from a new chat makes a member, links it and pays the welcome bonus", async () => {
    const friend = newTelegramUser({ first_name: "Lan" });
    await tg(friend, `/start ref_${code.toLowerCase()}`);
    const texts = tgTexts(h.tg, friend.id);
    expect(texts[0]).toContain("tặng 40 điểm");
    expect(texts[1]).toContain("liên kết thành công");
    expect(texts.join("\n")).toContain("40 điểm");
    const memberId = await memberOf("telegram", String(friend.id));
    expect(memberId).toBeDefined();
    expect(await referralOf(memberId!)).toMatchObject([{ status: "pending", referrerId: shop.memberId }]);
    // Again: one referrer per member, recorded with its reason.
    h.tg.reset();
    await tg(friend, `/start ref_${code}`);
    expect(tgTexts(h.tg, friend.id).at(-1)).toContain("đã được giới thiệu");
    const rows = await referralOf(memberId!);
    expect(rows.map((r) => r.refusalReason).sort()).toEqual(["already_referred", null]);
  });

  it('Zalo: "ref <code>" joins the same way', async () => {
    const friend = newZaloUser();
    await zalo(friend, `ref ${code}`);
    const texts = zaloTexts(h.zalo, friend.id);
    expect(texts[0]).toContain("tặng 40 điểm");
    const memberId = await memberOf("zalo", friend.id);
    expect(await referralOf(memberId!)).toMatchObject([{ status: "pending", channel: "zalo" }]);
  });

  it("the referrer's own chat is refused (self_referral), an existing member too (existing_member)", async () => {
    const self = newTelegramUser();
    await tg(self, `/start ${await linkCode(shop)}`);
    h.tg.reset();
    await tg(self, `/start ref_${code}`);
    expect(tgTexts(h.tg, self.id).at(-1)).toContain("chính mình");
    const other = await shop.api("POST", "/v1/members", { phone: "0933111222", name: "Bình" });
    await shop.api("POST", "/v1/orders", {
      externalId: "OLD-1",
      memberId: other.body.id,
      placedAt: h.clock.now().toISOString(),
      items: [{ sku: "A", quantity: 1, unitPrice: 50_000 }],
    });
    const oldUser = newZaloUser();
    await zalo(oldUser, `/start ${await linkCode(shop, other.body.id)}`);
    h.zalo.reset();
    await zalo(oldUser, `ref ${code}`);
    expect(zaloTexts(h.zalo, oldUser.id).at(-1)).toContain("khách mới");
    expect(await referralOf(other.body.id)).toMatchObject([{ status: "refused", refusalReason: "existing_member" }]);
  });

  it("an unknown code links nothing; a link code after /start still links as the spec says", async () => {
    const friend = newTelegramUser();
    await tg(friend, "/start ref_ACDEFGHJ");
    expect(tgTexts(h.tg, friend.id).at(-1)).toContain("mã giới thiệu này không đúng");
    expect(await memberOf("telegram", String(friend.id))).toBeUndefined();
    await tg(friend, `/start ${await linkCode(shop)}`);
    expect(await memberOf("telegram", String(friend.id))).toBe(shop.memberId);
  });

  it("Telegram: the code typed alone (any case, spaces around) is the deep link, in the user's language", async () => {
    const friend = { ...newTelegramUser({ first_name: "Emily" }), language_code: "en" };
    await tg(friend, `  ${code.toLowerCase()}  `);
    const texts = tgTexts(h.tg, friend.id);
    expect(texts[0]).toContain("You got 40 points for joining through a referral");
    const memberId = await memberOf("telegram", String(friend.id));
    expect(memberId).toBeDefined();
    expect(await referralOf(memberId!)).toMatchObject([{ status: "pending", referrerId: shop.memberId }]);
    // Typed again once referred: one referrer per member, as for the deep link.
    h.tg.reset();
    await tg(friend, code);
    expect(tgTexts(h.tg, friend.id).at(-1)).toContain("Someone else referred you already");
    expect((await referralOf(memberId!)).map((r) => r.refusalReason).sort()).toEqual(["already_referred", null]);
  });

  it("Zalo: the code typed alone joins; the referrer's own chat and an existing member are refused", async () => {
    const friend = newZaloUser();
    await zalo(friend, code.toLowerCase());
    expect(zaloTexts(h.zalo, friend.id)[0]).toContain("tặng 40 điểm");
    const memberId = await memberOf("zalo", friend.id);
    expect(await referralOf(memberId!)).toMatchObject([{ status: "pending", channel: "zalo" }]);

    // The referrer typing their own code.
    const self = newZaloUser();
    await zalo(self, `/start ${await linkCode(shop)}`);
    h.zalo.reset();
    await zalo(self, ` ${code} `);
    expect(zaloTexts(h.zalo, self.id).at(-1)).toContain("chính mình");

    // A member who already bought: not new to the shop.
    const other = await shop.api("POST", "/v1/members", { phone: "0933444555", name: "Cường" });
    await shop.api("POST", "/v1/orders", {
      externalId: "OLD-BARE-1",
      memberId: other.body.id,
      placedAt: h.clock.now().toISOString(),
      items: [{ sku: "A", quantity: 1, unitPrice: 50_000 }],
    });
    const oldUser = newZaloUser();
    await zalo(oldUser, `/start ${await linkCode(shop, other.body.id)}`);
    h.zalo.reset();
    await zalo(oldUser, code.toLowerCase());
    expect(zaloTexts(h.zalo, oldUser.id).at(-1)).toContain("khách mới");
    expect(await referralOf(other.body.id)).toMatchObject([{ status: "refused", refusalReason: "existing_member" }]);
  });

  it("a bare link code still links; a code-shaped word that is neither says the link code is wrong", async () => {
    const user = newTelegramUser();
    await tg(user, (await linkCode(shop)).toLowerCase());
    expect(await memberOf("telegram", String(user.id))).toBe(shop.memberId);
    const stranger = newZaloUser();
    await zalo(stranger, "ACDEFGHJ");
    expect(await memberOf("zalo", stranger.id)).toBeUndefined();
    expect(zaloTexts(h.zalo, stranger.id).at(-1)).not.toContain("tặng 40 điểm");
  });
});
