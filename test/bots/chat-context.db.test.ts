/**
 * The chat hot path: a Telegram private message is claimed, resolved to its member and (for /points) answered from
 * one database statement, with the same replies and the same replay/failure semantics as separate queries.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { telegramTextUpdate } from "../fakes/telegram-server.ts";
import { zaloTextUpdate } from "../fakes/zalo-server.ts";
import { processedUpdates } from "../../src/channels/tables.ts";
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
  h.zalo.reset();
});

async function say(user: { id: number }, text: string) {
  const r = await h.telegram(telegramTextUpdate(text, user));
  expect(r.status).toBe(200);
}

async function linkedUser() {
  const user = newTelegramUser();
  await say(user, `/start ${await linkCode(shop)}`);
  h.tg.reset();
  return user;
}

const claims = async () => (await h.database.db.select({ n: sql<number>`count(*)::int` }).from(processedUpdates))[0]!.n;

describe("chat context in one statement", () => {
  it("/points from the statement's facts reads the same as from the member view (keyword path)", async () => {
    const user = await linkedUser();
    await say(user, "/points");
    await say(user, "tôi còn bao nhiêu điểm?");
    const [fromFacts, fromView] = tgTexts(h.tg, user.id);
    expect(fromFacts).toContain("150 điểm");
    expect(fromFacts).toBe(fromView);
  });

  it("a replayed private message is acknowledged as a duplicate and answered once", async () => {
    const user = await linkedUser();
    const update = telegramTextUpdate("/points", user, { update_id: 770_001 });
    const first = await h.telegram(update);
    expect(await first.json()).toEqual({ ok: true });
    const again = await h.telegram(update);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    expect(tgTexts(h.tg, user.id)).toHaveLength(1);
  });

  it("a database failure in that statement → 5xx, nothing claimed or sent; the re-send is answered once", async () => {
    const user = await linkedUser();
    const update = telegramTextUpdate("/points", user, { update_id: 770_002 });
    const before = await claims();
    await h.database.db.execute(sql.raw("alter function cl_chat_context rename to cl_chat_context_off"));
    let failed: Response;
    try {
      failed = await h.telegram(update);
    } finally {
      await h.database.db.execute(sql.raw("alter function cl_chat_context_off rename to cl_chat_context"));
    }
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await claims()).toBe(before);
    expect(h.tg.callsOf("sendMessage")).toHaveLength(0);
    const resent = await h.telegram(update);
    expect(resent.status).toBe(200);
    expect(tgTexts(h.tg, user.id)).toHaveLength(1);
    expect(tgTexts(h.tg, user.id)[0]).toContain("150 điểm");
  });

  it("an unlinked user gets the link prompt from the same statement (and the replay is not answered)", async () => {
    const user = newTelegramUser();
    const update = telegramTextUpdate("/points", user, { update_id: 770_003 });
    expect((await h.telegram(update)).status).toBe(200);
    expect((await h.telegram(update)).status).toBe(200);
    const texts = tgTexts(h.tg, user.id);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("mã liên kết");
  });

  it("Zalo: a replay is a duplicate; a database failure → 5xx and nothing sent; the re-send is answered once in the member's language", async () => {
    const user = newZaloUser();
    expect((await h.zaloHook(zaloTextUpdate(`/start ${await linkCode(shop)}`, user))).status).toBe(200);
    await h.zaloHook(zaloTextUpdate("/language en", user));
    h.zalo.reset();
    const u = zaloTextUpdate("/points", user, { message_id: "cc-1" });
    const before = await claims();
    await h.database.db.execute(sql.raw("alter function cl_chat_context rename to cl_chat_context_off"));
    let failed: Response;
    try {
      failed = await h.zaloHook(u);
    } finally {
      await h.database.db.execute(sql.raw("alter function cl_chat_context_off rename to cl_chat_context"));
    }
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await claims()).toBe(before);
    expect(h.zalo.callsOf("sendMessage")).toHaveLength(0);
    expect((await h.zaloHook(u)).status).toBe(200);
    const again = await h.zaloHook(u);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    const texts = zaloTexts(h.zalo, user.id);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("150 points");
    expect(texts[0]).toContain("Reply with a number");
  });
});
