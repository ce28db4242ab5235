import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { telegramCallbackUpdate, telegramContactUpdate, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { channelIdentities, ledgerEntries, members } from "../../src/db/schema.ts";
import { processedUpdates } from "../../src/channels/tables.ts";
import {
  addMember,
  lastButtons,
  linkCode,
  newTelegramUser,
  setupShop,
  startBotHarness,
  tgTexts,
  type BotHarness,
  type Shop,
} from "./harness.ts";

let h: BotHarness;
let shop: Shop;

beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.tg.reset();
});

async function say(user: { id: number }, text: string) {
  const r = await h.telegram(telegramTextUpdate(text, user));
  expect(r.status).toBe(200);
}
async function press(user: { id: number }, data: string) {
  const r = await h.telegram(telegramCallbackUpdate(data, user));
  expect(r.status).toBe(200);
}
const last = (user: { id: number }) => tgTexts(h.tg, user.id).at(-1) ?? "";

/** A linked Telegram user: of the shop's main member (vi), or of a new English-speaking member. */
async function linkedUser(lang?: "en") {
  const user = newTelegramUser();
  const memberId = lang ? await addMember(h.s, shop, "en") : shop.memberId;
  await say(user, `/start ${await linkCode(shop, memberId)}`);
  h.tg.reset();
  return user;
}

async function identities(userId: number) {
  return h.database.db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, "telegram"), eq(channelIdentities.userId, String(userId))));
}

describe("Telegram: linking", () => {
  it("/start without a code explains how to link, with a share-contact keyboard (vi default)", async () => {
    const user = newTelegramUser();
    await say(user, "/start");
    const sent = h.tg.succeeded("sendMessage").filter((c) => c.chatId === String(user.id));
    expect(sent).toHaveLength(1);
    expect(String(sent[0]!.payload.text)).toMatch(/^Dạ, chào bạn!/);
    expect(String(sent[0]!.payload.text)).toContain("mã liên kết");
    expect(sent[0]!.payload.reply_markup).toMatchObject({
      keyboard: [[{ request_contact: true }]],
      one_time_keyboard: true,
    });
    expect(await identities(user.id)).toHaveLength(0);
  });

  it("a deep link /start <code> links, opts in, greets by first name and shows the points", async () => {
    const user = newTelegramUser();
    const code = await linkCode(shop);
    await say(user, `/start ${code}`);
    const texts = tgTexts(h.tg, user.id);
    expect(texts[0]).toContain("liên kết thành công");
    expect(texts[0]).toContain("Chào Hoa!");
    expect(texts[1]).toContain("150 điểm");
    const ids = await identities(user.id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatchObject({ memberId: shop.memberId, chatId: String(user.id) });
    const m = await shop.api("GET", `/v1/members/${shop.memberId}`);
    expect(m.body.optedIn).toBe(true);
    expect(m.body.channels).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: "telegram", userId: String(user.id) })]),
    );
  });

  it("a typed code links case-insensitively; a used code is refused", async () => {
    const user = newTelegramUser();
    const code = await linkCode(shop);
    await say(user, code.toLowerCase());
    expect(tgTexts(h.tg, user.id)[0]).toContain("liên kết thành công");
    const other = newTelegramUser();
    await say(other, code);
    expect(last(other)).toContain("mã liên kết không đúng, đã dùng hoặc đã hết hạn");
    expect(await identities(other.id)).toHaveLength(0);
  });

  it("an expired code is refused", async () => {
    const code = await linkCode(shop);
    h.clock.advanceDays(8);
    try {
      const user = newTelegramUser();
      await say(user, `/start ${code}`);
      expect(last(user)).toContain("hết hạn");
      expect(await identities(user.id)).toHaveLength(0);
    } finally {
      h.clock.advanceDays(-8);
    }
  });

  it("the sender's own shared contact links to the member with that phone", async () => {
    const user = newTelegramUser();
    await h.telegram(telegramContactUpdate("84912345678", user));
    expect(tgTexts(h.tg, user.id)[0]).toContain("liên kết thành công");
    expect((await identities(user.id))[0]?.memberId).toBe(shop.memberId);
  });

  it("someone else's contact, a contact without user_id, or a typed phone number never links", async () => {
    const user = newTelegramUser();
    await h.telegram(telegramContactUpdate("+84912345678", user, user.id + 1));
    expect(last(user)).toContain("số điện thoại của chính bạn");
    const noUserId = telegramContactUpdate("+84912345678", user) as { message: { contact: Record<string, unknown> } };
    delete noUserId.message.contact.user_id;
    await h.telegram(noUserId);
    expect(last(user)).toContain("số điện thoại của chính bạn");
    await say(user, "0912345678");
    expect(last(user)).toContain("không liên kết tài khoản bằng số điện thoại nhập tay");
    await say(user, "/points");
    expect(last(user)).toContain("chưa liên kết");
    expect(await identities(user.id)).toHaveLength(0);
  });
});

describe("Telegram: commands in both languages", () => {
  it("/points, 'điểm của tôi' and 'how many points do I have?' give balance, tier, progress and expiring points", async () => {
    const user = await linkedUser();
    for (const ask of ["/points", "điểm của tôi", "diem cua toi"]) {
      h.tg.reset();
      await say(user, ask);
      const text = last(user);
      expect(text).toContain("Dạ, bạn đang có 150 điểm.");
      expect(text).toContain("Hạng thành viên: Bạc.");
      expect(text).toContain("Chi tiêu thêm 500.000 ₫ để lên hạng Vàng.");
      expect(text).toMatch(/150 điểm sẽ hết hạn từ 10\/12\/2026/);
    }
    // An English question is answered in English, whatever the member's language (issue 14).
    await say(user, "how many points do I have?");
    expect(last(user)).toContain("You have 150 points.");
    const en = await linkedUser("en");
    await say(en, "how many points do I have?");
    const text = last(en);
    expect(text).toContain("You have 150 points.");
    expect(text).toContain("Spend 500,000 ₫ more to reach Vàng.");
    expect(text).toContain("150 points expire from 10 Dec 2026");
  });

  it("/history, /rewards, /vouchers, /offers, /help, /language in vi and en", async () => {
    const vi = await linkedUser();
    const en = await linkedUser("en");
    const cases: [string, RegExp, RegExp][] = [
      [
        "/history",
        /giao dịch điểm gần đây[\s\S]*\+150 điểm · Đơn POS-\S+ · 1\.500\.000 ₫/,
        /recent points activity[\s\S]*\+150 pts · Order POS-\S+ · /,
      ],
      [
        "/rewards",
        /quà bạn có thể đổi \(bạn có 150 điểm\)[\s\S]*1\. Cà phê sữa đá: 30 điểm/,
        /rewards \(you have 150 points\)[\s\S]*1\. Cà phê sữa đá: 30 pts/,
      ],
      ["/vouchers", /chưa có voucher/, /no vouchers yet/],
      ["/offers", /chưa có ưu đãi riêng/, /No personalised offers/],
      ["/help", /\/points — xem điểm/, /\/points — your points/],
      ["/language", /ngôn ngữ nào/, /Which language/],
    ];
    for (const [cmd, vre, ere] of cases) {
      await say(vi, cmd);
      expect(last(vi), cmd).toMatch(vre);
      await say(en, cmd);
      expect(last(en), cmd).toMatch(ere);
    }
    expect(lastButtons(h.tg, en.id).map((b) => b.data)).toEqual(["l:vi", "l:en"]);
  });

  it("/language en switches the member's language (stored), /language vi switches back", async () => {
    const user = await linkedUser();
    await say(user, "/language en");
    expect(last(user)).toBe("Got it — I'll reply in English.");
    expect((await shop.api("GET", `/v1/members/${shop.memberId}`)).body.language).toBe("en");
    await say(user, "/points");
    expect(last(user)).toContain("You have");
    await say(user, "tiếng việt");
    expect(last(user)).toBe("Dạ, mình sẽ trả lời bằng tiếng Việt.");
  });

  it("every command has a keyword path (vi with and without diacritics, en)", async () => {
    const user = await linkedUser();
    const cases: [string, RegExp][] = [
      ["lịch sử", /giao dịch điểm gần đây/],
      ["lich su giao dich", /giao dịch điểm gần đây/],
      ["đổi quà", /quà bạn có thể đổi/],
      ["voucher của tôi", /voucher/],
      ["ưu đãi", /ưu đãi/],
      ["giúp tôi với", /mình có thể giúp bạn/],
    ];
    for (const [text, re] of cases) {
      await say(user, text);
      expect(last(user), text).toMatch(re);
    }
  });

  it("unlinked users get a friendly explanation for every member command", async () => {
    const user = newTelegramUser();
    for (const cmd of ["/points", "/history", "/rewards", "/vouchers", "/offers"]) {
      await say(user, cmd);
      expect(last(user), cmd).toContain("Dạ, bạn chưa liên kết thẻ thành viên");
    }
  });
});

describe("Telegram: redeem, opt-out, replays, secrets", () => {
  it("redeem with a confirm button: balance decreases once even if Confirm is pressed twice", async () => {
    const user = await linkedUser();
    await say(user, "/rewards");
    const ask = lastButtons(h.tg, user.id).find((b) => b.data === `rw:${shop.rewards.coffee}`);
    expect(ask?.text).toBe("Cà phê sữa đá · 30 điểm");
    for (const b of lastButtons(h.tg, user.id)) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64);
    await press(user, ask!.data);
    expect(last(user)).toContain('xác nhận đổi "Cà phê sữa đá" với 30 điểm? Sau khi đổi bạn còn 120 điểm');
    const confirm = lastButtons(h.tg, user.id)[0]!;
    expect(confirm.data).toMatch(/^rc:/);
    await press(user, confirm.data);
    await press(user, confirm.data);
    const done = tgTexts(h.tg, user.id).filter((t) => t.includes("đổi quà thành công"));
    expect(done).toHaveLength(2);
    const code = /Mã của bạn: (\w+)/.exec(done[0]!)?.[1];
    expect(code).toBeTruthy();
    expect(done[1]).toContain(code!);
    expect(done[0]).toContain("Điểm còn lại: 120.");
    const m = await shop.api("GET", `/v1/members/${shop.memberId}`);
    expect(m.body.points.balance).toBe(120);
    const redeems = await h.database.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.memberId, shop.memberId), eq(ledgerEntries.kind, "redeem")));
    expect(redeems).toHaveLength(1);
    await say(user, "/vouchers");
    expect(last(user)).toContain(code!);
    // Give the points back for the other tests.
    await shop.api(
      "POST",
      `/v1/members/${shop.memberId}/adjustments`,
      { points: 30, reason: "test refill" },
      { "idempotency-key": "refill-1" },
    );
  });

  it("not enough points → explained, no confirm button", async () => {
    const user = await linkedUser();
    await press(user, `rw:${shop.rewards.cup}`);
    expect(last(user)).toContain('"Ly giữ nhiệt" cần 500 điểm, bạn đang có 150 điểm');
    expect(lastButtons(h.tg, user.id).some((b) => b.data.startsWith("rc:"))).toBe(false);
  });

  it("/stop opts out on every chat; /start opts back in", async () => {
    const user = await linkedUser();
    await say(user, "/stop");
    expect(last(user)).toContain("không nhận tin ưu đãi nữa");
    expect((await shop.api("GET", `/v1/members/${shop.memberId}`)).body.optedIn).toBe(false);
    await say(user, "/stop");
    expect(last(user)).toContain("đã ngừng nhận tin ưu đãi rồi");
    await say(user, "/start");
    expect(last(user)).toContain("nhận lại tin ưu đãi");
    expect((await shop.api("GET", `/v1/members/${shop.memberId}`)).body.optedIn).toBe(true);
  });

  it("a replayed update (same update_id) is acknowledged and processed once", async () => {
    const user = await linkedUser();
    const update = telegramTextUpdate("/points", user, { update_id: 990_001 });
    expect((await h.telegram(update)).status).toBe(200);
    expect((await h.telegram(update)).status).toBe(200);
    expect(tgTexts(h.tg, user.id)).toHaveLength(1);
  });

  it("a wrong or missing secret → 401, nothing written, nothing sent", async () => {
    const user = newTelegramUser();
    const code = await linkCode(shop);
    const before = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(processedUpdates);
    for (const secret of [null, "wrong", `${"tg-secret_0123456789"}x`, ""]) {
      const r = await h.telegram(telegramTextUpdate(`/start ${code}`, user), secret);
      expect(r.status).toBe(401);
    }
    const after = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(processedUpdates);
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(h.tg.callsOf()).toHaveLength(0);
    expect(await identities(user.id)).toHaveLength(0);
    // The code is still usable.
    await say(user, `/start ${code}`);
    expect(tgTexts(h.tg, user.id)[0]).toContain("liên kết thành công");
  });

  it("a 429 is retried after retry_after and the reply still arrives", async () => {
    const user = newTelegramUser();
    h.tg.failNext("sendMessage", { status: 429, retryAfter: 1, chatId: user.id });
    const started = Date.now();
    await say(user, "/help");
    const ok = await h.tg.waitFor((c) => c.method === "sendMessage" && c.ok && c.chatId === String(user.id), 10_000);
    expect(ok.at - started).toBeGreaterThanOrEqual(1000);
    const calls = h.tg.callsOf("sendMessage").filter((c) => c.chatId === String(user.id));
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it("a reply is never lost to a rate limit: more 429s in a row than the 5xx retry cap, still delivered", async () => {
    const user = newTelegramUser();
    h.tg.failNext("sendMessage", { status: 429, retryAfter: 1, chatId: user.id, times: 6 });
    await say(user, "/help");
    await h.tg.waitFor((c) => c.method === "sendMessage" && c.ok && c.chatId === String(user.id), 20_000);
    const calls = h.tg.callsOf("sendMessage").filter((c) => c.chatId === String(user.id));
    expect(calls.map((c) => c.status)).toEqual([429, 429, 429, 429, 429, 429, 200]);
  });

  it("a 403 (blocked by the user) marks the chat unreachable; writing again makes it reachable", async () => {
    const user = await linkedUser();
    h.tg.blockChat(user.id);
    await say(user, "/points");
    const [id] = await identities(user.id);
    expect(id?.unreachableAt).toBeInstanceOf(Date);
    const m = await shop.api("GET", `/v1/members/${shop.memberId}`);
    expect(m.body.channels.find((c: { userId: string }) => c.userId === String(user.id)).reachable).toBe(false);
    h.tg.unblockChat(user.id);
    await say(user, "/points");
    expect((await identities(user.id))[0]?.unreachableAt).toBeNull();
  });

  it("my_chat_member 'kicked' (the user blocked the bot) marks the chat unreachable, 'member' reachable again", async () => {
    const user = await linkedUser();
    const change = (status: string) => ({
      update_id: 880_000 + Math.floor(Math.random() * 100_000),
      my_chat_member: {
        chat: { id: user.id, type: "private", first_name: "Hoa" },
        from: { id: user.id, is_bot: false, first_name: "Hoa" },
        date: 1_763_600_000,
        old_chat_member: {
          user: { id: 1234567890, is_bot: true, first_name: "bot" },
          status: status === "kicked" ? "member" : "kicked",
        },
        new_chat_member: {
          user: { id: 1234567890, is_bot: true, first_name: "bot" },
          status,
          ...(status === "kicked" ? { until_date: 0 } : {}),
        },
      },
    });
    expect((await h.telegram(change("kicked"))).status).toBe(200);
    expect((await identities(user.id))[0]?.unreachableAt).toBeInstanceOf(Date);
    expect((await h.telegram(change("member"))).status).toBe(200);
    expect((await identities(user.id))[0]?.unreachableAt).toBeNull();
    expect(h.tg.callsOf("sendMessage")).toHaveLength(0);
  });

  it("a burst of 200 updates from one user: no errors, one redemption, free text rate limited with one warning", async () => {
    const user = await linkedUser();
    await press(user, `rw:${shop.rewards.coffee}`);
    const confirm = lastButtons(h.tg, user.id)[0]!.data;
    h.tg.reset();
    const updates = Array.from({ length: 200 }, (_, i) => {
      if (i % 4 === 0) return telegramCallbackUpdate(confirm, user);
      if (i % 4 === 1) return telegramTextUpdate("/points", user);
      return telegramTextUpdate(`xin chào lần ${i}`, user);
    });
    const statuses = await Promise.all(updates.map(async (u) => (await h.telegram(u)).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const redeems = await h.database.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.memberId, shop.memberId), eq(ledgerEntries.kind, "redeem")));
    expect(redeems).toHaveLength(2); // one from the earlier redeem test, one from this burst
    const texts = tgTexts(h.tg, user.id);
    expect(texts.filter((t) => t.includes("nhắn hơi nhanh"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("Dạ, bạn đang có"))).toHaveLength(50);
    expect(texts.filter((t) => t.includes("có lỗi"))).toHaveLength(0);
    const m = await h.database.db.select().from(members).where(eq(members.id, shop.memberId));
    expect(m[0]!.pointsTotal).toBe(120);
  });

  it("setMyCommands registers the commands in Vietnamese (default) and English", async () => {
    await h.channels.start();
    const calls = h.tg.succeeded("setMyCommands");
    expect(calls.length).toBe(3);
    const byLang = new Map(
      calls.map((c) => [
        String(c.payload.language_code ?? ""),
        c.payload.commands as { command: string; description: string }[],
      ]),
    );
    expect(byLang.get("en")?.map((c) => c.command)).toEqual([
      "start",
      "points",
      "history",
      "rewards",
      "vouchers",
      "offers",
      "language",
      "stop",
      "help",
    ]);
    expect(byLang.get("vi")?.[1]).toEqual({ command: "points", description: "Xem điểm và hạng thành viên" });
    expect(byLang.get("")?.[1]?.description).toBe("Xem điểm và hạng thành viên");
  });
});

describe("Telegram ChannelSender", () => {
  it("sends once; 429 → rate-limited with retryAfterSeconds, 403 → blocked and unreachable, buttons → inline keyboard", async () => {
    const sender = h.channels.senders.telegram!;
    expect(sender.broadcastRate).toBe(25);
    const user = await linkedUser();
    const ok = await sender.send(
      shop.merchantId,
      String(user.id),
      { text: "Khuyến mãi!", buttons: [[{ label: "Xem", data: "o" }]] },
      { noRetry: true },
    );
    expect(ok).toMatchObject({ ok: true });
    expect(h.tg.succeeded("sendMessage").at(-1)?.payload.reply_markup).toEqual({
      inline_keyboard: [[{ text: "Xem", callback_data: "o" }]],
    });
    h.tg.failNext("sendMessage", { status: 429, retryAfter: 7 });
    expect(await sender.send(shop.merchantId, String(user.id), { text: "x" }, { noRetry: true })).toMatchObject({
      ok: false,
      reason: "rate-limited",
      retryAfterSeconds: 7,
    });
    expect(h.tg.callsOf("sendMessage").filter((c) => c.status === 429)).toHaveLength(1);
    h.tg.blockChat(user.id);
    expect(await sender.send(shop.merchantId, String(user.id), { text: "x" }, { noRetry: true })).toMatchObject({
      ok: false,
      reason: "blocked",
    });
    expect((await identities(user.id))[0]?.unreachableAt).toBeInstanceOf(Date);
  });
});
