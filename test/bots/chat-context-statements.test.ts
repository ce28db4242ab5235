/**
 * The chat hot path counted on the embedded database (the PGlite project only: it instruments PGlite's client):
 * a linked member's /points is one statement.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { telegramTextUpdate } from "../fakes/telegram-server.ts";
import {
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

async function linkedUser() {
  const user = newTelegramUser();
  await say(user, `/start ${await linkCode(shop)}`);
  h.tg.reset();
  return user;
}

describe("chat context in one statement", () => {
  it("a linked member's /points is one statement (claim, member and facts together)", async () => {
    const user = await linkedUser();
    await say(user, "/points"); // warms the per-process program and time-zone caches
    const client = (
      h.database as unknown as { client: { query: (...a: unknown[]) => unknown; exec: (...a: unknown[]) => unknown } }
    ).client;
    const seen: string[] = [];
    const { query, exec } = client;
    client.query = function (this: unknown, ...a: unknown[]) {
      seen.push(String(a[0]));
      return query.apply(this, a);
    };
    client.exec = function (this: unknown, ...a: unknown[]) {
      seen.push(String(a[0]));
      return exec.apply(this, a);
    };
    try {
      h.tg.reset();
      await say(user, "/points");
    } finally {
      client.query = query;
      client.exec = exec;
    }
    expect(tgTexts(h.tg, user.id)[0]).toContain("150 điểm");
    // Cache refreshes (program every 5 s, time zone every minute) may add a read on a slow machine; nothing else.
    expect(seen.filter((s) => !/from "(programs|merchants)"/.test(s))).toEqual([
      expect.stringContaining("cl_chat_context("),
    ]);
  });
});
