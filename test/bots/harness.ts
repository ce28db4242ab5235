/**
 * The real app with the chat channels over loopback HTTP, fake Telegram / Zalo Bot API servers, a fake clock and a
 * fresh test database; plus a shop with a program, a member with points and rewards.
 */
import { createChannels, type Channels } from "../../bots/index.ts";
import { loadConfig } from "../../src/config.ts";
import { FakeClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { FakeTelegramServer, TELEGRAM_TEST_TOKEN } from "../fakes/telegram-server.ts";
import { FakeZaloServer, ZALO_TEST_TOKEN } from "../fakes/zalo-server.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { startTestServer, type Api, type TestServer } from "../helpers/server.ts";
import type { OffersPort } from "../../bots/core/types.ts";

export const TG_SECRET = "tg-secret_0123456789";
export const ZALO_SECRET = "zalo-secret-0123456789";

export interface BotHarness {
  s: TestServer;
  tg: FakeTelegramServer;
  zalo: FakeZaloServer;
  channels: Channels;
  database: TestDatabase;
  clock: FakeClock;
  /** POST an update to /webhooks/telegram with the right secret (or `secret` when given; null = no header). */
  telegram(update: Record<string, unknown>, secret?: string | null): Promise<Response>;
  zaloHook(body: unknown, secret?: string | null): Promise<Response>;
  close(): Promise<void>;
}

export async function startBotHarness(
  opts: {
    env?: Record<string, string>;
    offers?: OffersPort;
    telegramBudgetMs?: number;
    zaloBudgetMs?: number;
    onStatement?: (query: string) => void;
  } = {},
): Promise<BotHarness> {
  const tg = await FakeTelegramServer.start();
  const zalo = await FakeZaloServer.start();
  const database = await openTestDatabase(opts.onStatement ? { onStatement: opts.onStatement } : {});
  const clock = new FakeClock();
  const env: Record<string, string> = {
    LOG_LEVEL: "error",
    TELEGRAM_BOT_TOKEN: TELEGRAM_TEST_TOKEN,
    TELEGRAM_API_ROOT: tg.url,
    TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
    ZALO_BOT_TOKEN: ZALO_TEST_TOKEN,
    ZALO_API_ROOT: zalo.url,
    ZALO_WEBHOOK_SECRET: ZALO_SECRET,
    ...opts.env,
  };
  const config = loadConfig(env);
  const channels = createChannels({
    config,
    db: database.db,
    clock,
    logger: silentLogger,
    ...(opts.offers ? { offers: opts.offers } : {}),
    ...(opts.telegramBudgetMs !== undefined ? { telegramBudgetMs: opts.telegramBudgetMs } : {}),
    ...(opts.zaloBudgetMs !== undefined ? { zaloBudgetMs: opts.zaloBudgetMs } : { zaloBudgetMs: 10_000 }),
  });
  const s = await startTestServer({ env, database, clock, plugins: [channels.plugin] });
  const post = (path: string, header: string, defaultSecret: string) => (body: unknown, secret?: string | null) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const value = secret === undefined ? defaultSecret : secret;
    if (value !== null) headers[header] = value;
    return fetch(s.url + path, { method: "POST", headers, body: JSON.stringify(body) });
  };
  return {
    s,
    tg,
    zalo,
    channels,
    database,
    clock,
    telegram: post("/webhooks/telegram", "X-Telegram-Bot-Api-Secret-Token", TG_SECRET),
    zaloHook: post("/webhooks/zalo", "X-Bot-Api-Secret-Token", ZALO_SECRET),
    async close() {
      await channels.stop(5000);
      await s.close();
      await tg.close();
      await zalo.close();
      await database.close();
    },
  };
}

export interface Shop {
  merchantId: string;
  apiKey: string;
  api: Api;
  memberId: string;
  phone: string;
  rewards: { coffee: string; voucher: string; cup: string };
}

/** A shop with two tiers and expiring points, a member "Nguyễn Văn Hoa" with 150 points (spent 1.500.000 ₫). */
export async function setupShop(s: TestServer, opts: { phone?: string; language?: "vi" | "en" } = {}): Promise<Shop> {
  const { merchantId, api, apiKey } = await s.merchant("Cà Phê Test");
  const program = await api("PUT", "/v1/program", {
    currency: "VND",
    earn: { spend: 10000, points: 1 },
    pointsExpireDays: 20,
    tiers: [
      { name: "Bạc", minSpend: 0, multiplier: 1 },
      { name: "Vàng", minSpend: 2_000_000, multiplier: 1 },
    ],
  });
  if (program.status !== 200) throw new Error(`program: ${JSON.stringify(program.body)}`);
  const phone = opts.phone ?? "0912345678";
  const m = await api("POST", "/v1/members", { phone, name: "Nguyễn Văn Hoa", language: opts.language ?? "vi" });
  if (m.status !== 201) throw new Error(`member: ${JSON.stringify(m.body)}`);
  const o = await api("POST", "/v1/orders", {
    externalId: `POS-${m.body.id}`,
    memberId: m.body.id,
    placedAt: s.clock.now().toISOString(),
    items: [{ sku: "CF-01", name: "Cà phê", quantity: 1, unitPrice: 1_500_000 }],
  });
  if (o.status !== 201) throw new Error(`order: ${JSON.stringify(o.body)}`);
  const reward = async (body: Record<string, unknown>) => {
    const r = await api("POST", "/v1/rewards", body);
    if (r.status !== 201) throw new Error(`reward: ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  };
  const coffee = await reward({ name: "Cà phê sữa đá", cost: 30, kind: "product", value: 29000 });
  const voucher = await reward({ name: "Voucher 50.000 ₫", cost: 80, kind: "voucher", value: 50000 });
  const cup = await reward({ name: "Ly giữ nhiệt", cost: 500, kind: "perk", stock: 5 });
  return { merchantId, apiKey, api, memberId: m.body.id, phone, rewards: { coffee, voucher, cup } };
}

let phoneSeq = 100;
/** Another member of the shop with 150 points (1.500.000 ₫ spent). */
export async function addMember(
  s: TestServer,
  shop: Shop,
  language: "vi" | "en" = "vi",
  name = "Emily Carter",
): Promise<string> {
  const m = await shop.api("POST", "/v1/members", { phone: `09${String(10_000_000 + phoneSeq++)}`, name, language });
  if (m.status !== 201) throw new Error(`member: ${JSON.stringify(m.body)}`);
  const o = await shop.api("POST", "/v1/orders", {
    externalId: `POS-${m.body.id}`,
    memberId: m.body.id,
    placedAt: s.clock.now().toISOString(),
    items: [{ sku: "CF-01", quantity: 1, unitPrice: 1_500_000 }],
  });
  if (o.status !== 201) throw new Error(`order: ${JSON.stringify(o.body)}`);
  return m.body.id as string;
}

export async function linkCode(shop: Shop, memberId = shop.memberId): Promise<string> {
  const r = await shop.api("POST", `/v1/members/${memberId}/link-codes`);
  if (r.status !== 201) throw new Error(`link code: ${JSON.stringify(r.body)}`);
  return r.body.code as string;
}

let userSeq = 7_000_000;
/** A fresh Telegram user id per test (free-text rate limits are per user). */
export const newTelegramUser = (extra: { first_name?: string; username?: string } = {}) => ({
  id: userSeq++,
  first_name: "Hoa",
  ...extra,
});
let zaloSeq = 1;
export const newZaloUser = () => ({ id: `zu${(zaloSeq++).toString(16).padStart(18, "0")}`, display_name: "Hoa" });

/** All texts sent to a Telegram chat, in order. */
export const tgTexts = (tg: FakeTelegramServer, chatId: number | string) =>
  tg
    .succeeded("sendMessage")
    .filter((c) => c.chatId === String(chatId))
    .map((c) => String(c.payload.text));

export const zaloTexts = (zalo: FakeZaloServer, chatId: string) => zalo.sentMessages(chatId).map((p) => String(p.text));

/** The inline keyboard of the last message to a chat: [label, data][]. */
export function lastButtons(tg: FakeTelegramServer, chatId: number | string): { text: string; data: string }[] {
  const calls = tg.succeeded("sendMessage").filter((c) => c.chatId === String(chatId));
  for (let i = calls.length - 1; i >= 0; i--) {
    const markup = calls[i]!.payload.reply_markup as
      | { inline_keyboard?: { text: string; callback_data: string }[][] }
      | undefined;
    if (markup?.inline_keyboard)
      return markup.inline_keyboard.flat().map((b) => ({ text: b.text, data: b.callback_data }));
  }
  return [];
}
