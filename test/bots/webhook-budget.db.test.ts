import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telegramTextUpdate } from "../fakes/telegram-server.ts";
import { zaloTextUpdate } from "../fakes/zalo-server.ts";
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
  h = await startBotHarness({ telegramBudgetMs: 300, zaloBudgetMs: 300 });
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});

describe("slow work and platform retries", () => {
  it("Telegram: the webhook answers within its budget while a slow reply goes on; the platform's re-send is not processed again", async () => {
    const user = newTelegramUser();
    await h.telegram(telegramTextUpdate(`/start ${await linkCode(shop)}`, user));
    // The link replies may still be going out after the budget: wait for them before counting.
    await h.channels.stop(10_000);
    h.tg.reset();
    h.tg.setLatency(1500);
    const update = telegramTextUpdate("/points", user);
    const started = Date.now();
    const first = await h.telegram(update);
    expect(first.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1200);
    // Telegram re-sends while we are still working: acknowledged, not processed again.
    expect((await h.telegram(update)).status).toBe(200);
    await h.channels.stop(10_000);
    expect(tgTexts(h.tg, user.id)).toHaveLength(1);
    expect(tgTexts(h.tg, user.id)[0]).toContain("150 điểm");
    h.tg.setLatency(0);
  });

  it("Zalo: answered 200 fast, processed once", async () => {
    const user = newZaloUser();
    await h.zaloHook(zaloTextUpdate(`/start ${await linkCode(shop)}`, user));
    await h.channels.stop(10_000);
    h.zalo.reset();
    h.zalo.setLatency(1500);
    const update = zaloTextUpdate("/points", user);
    const started = Date.now();
    expect((await h.zaloHook(update)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1200);
    expect((await h.zaloHook(update)).status).toBe(200);
    await h.channels.stop(10_000);
    expect(zaloTexts(h.zalo, user.id)).toHaveLength(1);
    h.zalo.setLatency(0);
  });
});
