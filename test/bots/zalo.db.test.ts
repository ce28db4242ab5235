import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { wrapZaloUpdate, zaloImageUpdate, zaloTextUpdate } from "../fakes/zalo-server.ts";
import { channelIdentities, ledgerEntries } from "../../src/db/schema.ts";
import { processedUpdates } from "../../src/channels/tables.ts";
import {
  addMember,
  linkCode,
  newZaloUser,
  setupShop,
  startBotHarness,
  zaloTexts,
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
  h.zalo.reset();
});

type ZUser = { id: string; display_name: string };
async function say(user: ZUser, text: string, wrapped = false) {
  const u = zaloTextUpdate(text, user);
  const r = await h.zaloHook(wrapped ? wrapZaloUpdate(u) : u);
  expect(r.status).toBe(200);
}
const last = (user: ZUser) => zaloTexts(h.zalo, user.id).at(-1) ?? "";

async function linkedUser(lang?: "en") {
  const user = newZaloUser();
  const memberId = lang ? await addMember(h.s, shop, "en") : shop.memberId;
  await say(user, `/start ${await linkCode(shop, memberId)}`);
  h.zalo.reset();
  return user;
}

async function identities(userId: string) {
  return h.database.db
    .select()
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channel, "zalo"), eq(channelIdentities.userId, userId)));
}

describe("Zalo: webhook", () => {
  it("accepts both update shapes (wrapped {ok,result} and bare) and links with a typed code", async () => {
    const user = newZaloUser();
    await say(user, "/start", true);
    expect(last(user)).toContain("Cách liên kết thẻ thành viên");
    expect(last(user)).not.toContain("Chia sẻ số điện thoại");
    await say(user, (await linkCode(shop)).toLowerCase());
    const texts = zaloTexts(h.zalo, user.id);
    expect(texts.some((t) => t.includes("liên kết thành công"))).toBe(true);
    expect(texts.some((t) => t.includes("Dạ, bạn đang có 150 điểm."))).toBe(true);
    // Then the consent question (Decree 13), its Yes / No as numbered choices.
    expect(last(user)).toContain("Bạn có muốn tiếp tục nhận không?");
    expect((await identities(user.id))[0]?.memberId).toBe(shop.memberId);
  });

  it("a wrong or missing X-Bot-Api-Secret-Token → 401, nothing written or sent", async () => {
    const user = newZaloUser();
    const before = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(processedUpdates);
    for (const secret of [null, "nope", ""]) {
      const r = await h.zaloHook(zaloTextUpdate("/start", user), secret);
      expect(r.status).toBe(401);
    }
    const after = await h.database.db.select({ n: sql<number>`count(*)::int` }).from(processedUpdates);
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(h.zalo.callsOf()).toHaveLength(0);
  });

  it("a replayed update (same event_name:message_id) is processed once", async () => {
    const user = await linkedUser();
    const u = zaloTextUpdate("/points", user, { message_id: "replay-1" });
    expect((await h.zaloHook(u)).status).toBe(200);
    expect((await h.zaloHook(wrapZaloUpdate(u))).status).toBe(200);
    expect(zaloTexts(h.zalo, user.id)).toHaveLength(1);
  });

  it("buttons become numbered choices the user can type back", async () => {
    const user = await linkedUser();
    await say(user, "/points");
    expect(last(user)).toMatch(/Trả lời bằng số để chọn:\n1\. 🎁 Đổi quà\n2\. 📜 Lịch sử$/);
    await say(user, "1");
    expect(last(user)).toContain("quà bạn có thể đổi");
    expect(last(user)).toMatch(/\n1\. Cà phê sữa đá · 30 điểm/);
    await say(user, "1");
    expect(last(user)).toContain('xác nhận đổi "Cà phê sữa đá"');
    expect(last(user)).toMatch(/1\. ✅ Xác nhận đổi\n2\. Huỷ$/);
    await say(user, "2");
    expect(last(user)).toContain("mình đã huỷ");
    await say(user, "7");
    expect(last(user)).toContain("lựa chọn này đã hết hạn");
  });

  it("redeem through numbered choices: confirming twice (the same choice) redeems once", async () => {
    const memberId = await addMember(h.s, shop);
    const user = newZaloUser();
    await say(user, await linkCode(shop, memberId));
    await say(user, "đổi quà");
    await say(user, "1");
    // The confirm choice is remembered; the user sends "1" twice (a double send).
    const u1 = zaloTextUpdate("1", user);
    const u2 = zaloTextUpdate("1", user);
    await h.zaloHook(u1);
    await h.zaloHook(u2);
    const done = zaloTexts(h.zalo, user.id).filter((t) => t.includes("đổi quà thành công"));
    expect(done.length).toBeGreaterThanOrEqual(1);
    const redeems = await h.database.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.memberId, memberId), eq(ledgerEntries.kind, "redeem")));
    expect(redeems).toHaveLength(1);
    expect((await shop.api("GET", `/v1/members/${memberId}`)).body.points.balance).toBe(120);
  });

  it("choices expire after 30 minutes", async () => {
    const user = await linkedUser();
    await say(user, "/points");
    h.clock.advance(31 * 60_000);
    try {
      await say(user, "1");
      expect(last(user)).toContain("lựa chọn này đã hết hạn");
    } finally {
      h.clock.advance(-31 * 60_000);
    }
  });

  it("commands in English for an English-speaking member; images get the help", async () => {
    const user = await linkedUser("en");
    await say(user, "how many points do I have?");
    expect(last(user)).toContain("You have 150 points.");
    expect(last(user)).toContain("Reply with a number to choose:");
    await say(user, "/offers");
    expect(last(user)).toContain("No personalised offers");
    const r = await h.zaloHook(zaloImageUpdate("https://example.com/p.jpg", user));
    expect(r.status).toBe(200);
    expect(last(user)).toContain("Here's what I can do");
  });

  it("/stop and /start opt out and back in", async () => {
    const user = await linkedUser();
    await say(user, "dừng nhận khuyến mãi");
    expect(last(user)).toContain("không nhận tin ưu đãi nữa");
    expect((await shop.api("GET", `/v1/members/${shop.memberId}`)).body.optedIn).toBe(false);
    await say(user, "/start");
    expect((await shop.api("GET", `/v1/members/${shop.memberId}`)).body.optedIn).toBe(true);
  });

  it("a broadcast longer than 2000 characters goes out as one message, cut at a line and marked …", async () => {
    const sender = h.channels.senders.zalo!;
    const user = await linkedUser();
    const long = Array.from({ length: 60 }, (_, i) => `Dòng ${i + 1}: ${"ưu đãi đặc biệt ".repeat(4)}`).join("\n");
    expect(long.length).toBeGreaterThan(2000);
    const r = await sender.send(shop.merchantId, user.id, { text: long });
    expect(r.ok).toBe(true);
    const parts = zaloTexts(h.zalo, user.id);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.length).toBeLessThanOrEqual(2000);
    expect(parts[0]!.endsWith("…")).toBe(true);
    expect(long.startsWith(parts[0]!.slice(0, -1))).toBe(true);
  });

  it("429 is retried after retry_after and the reply arrives; 403 marks the chat unreachable", async () => {
    const user = await linkedUser();
    h.zalo.failNext("sendMessage", { status: 429, retryAfter: 1, chatId: user.id });
    const started = Date.now();
    await say(user, "/help");
    const ok = await h.zalo.waitFor((c) => c.method === "sendMessage" && c.ok && c.chatId === user.id, 10_000);
    expect(ok.at - started).toBeGreaterThanOrEqual(1000);
    h.zalo.blockChat(user.id);
    await say(user, "/points");
    expect((await identities(user.id))[0]?.unreachableAt).toBeInstanceOf(Date);
  });

  it("a reply is never lost to a rate limit: more 429s in a row than the 5xx retry cap, still delivered", async () => {
    const user = await linkedUser();
    h.zalo.failNext("sendMessage", { status: 429, retryAfter: 1, chatId: user.id, times: 6 });
    await say(user, "/help");
    await h.zalo.waitFor((c) => c.method === "sendMessage" && c.ok && c.chatId === user.id, 20_000);
    const calls = h.zalo.callsOf("sendMessage").filter((c) => c.chatId === user.id);
    expect(calls.slice(0, 7).map((c) => c.status)).toEqual([429, 429, 429, 429, 429, 429, 200]);
  });

  it("ChannelSender: once, no retry; 429 → rate-limited, 403 → blocked", async () => {
    const sender = h.channels.senders.zalo!;
    expect(sender.broadcastRate).toBe(10);
    const user = await linkedUser();
    expect(
      await sender.send(
        shop.merchantId,
        user.id,
        { text: "Ưu đãi!", buttons: [[{ label: "Xem ưu đãi", data: "o" }]] },
        { noRetry: true },
      ),
    ).toMatchObject({ ok: true });
    expect(last(user)).toBe("Ưu đãi!\n\n• Xem ưu đãi");
    h.zalo.failNext("sendMessage", { status: 429, retryAfter: 4 });
    expect(await sender.send(shop.merchantId, user.id, { text: "x" }, { noRetry: true })).toMatchObject({
      ok: false,
      reason: "rate-limited",
      retryAfterSeconds: 4,
    });
    h.zalo.blockChat(user.id);
    expect(await sender.send(shop.merchantId, user.id, { text: "x" }, { noRetry: true })).toMatchObject({
      ok: false,
      reason: "blocked",
    });
  });

  it("a burst of 200 updates from one user: every webhook 200, no errors", async () => {
    const user = await linkedUser();
    const statuses = await Promise.all(
      Array.from(
        { length: 200 },
        async (_, i) => (await h.zaloHook(zaloTextUpdate(i % 2 ? "/points" : `hello ${i}`, user))).status,
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    await h.channels.stop(10_000);
    const texts = zaloTexts(h.zalo, user.id);
    expect(texts.filter((t) => t.includes("Dạ, bạn đang có"))).toHaveLength(100);
    expect(texts.filter((t) => t.includes("nhắn hơi nhanh"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("có lỗi"))).toHaveLength(0);
  });
});
