/** The full stack for benchmarks: the real app and chat channels over a database, a Telegram bot on a fake Bot API. */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createChannels } from "../../bots/index.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/types.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { runtimeOrderHooks } from "../../src/runtime/hooks.ts";
import { channelIdentities, members } from "../../src/db/schema.ts";
import { newId } from "../../src/lib/ids.ts";
import { TELEGRAM_TEST_TOKEN } from "../../test/fakes/telegram-server.ts";

export async function startStack(
  db: Db,
  merchantId: string,
  telegram: { apiRoot: string; secret: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({
    LOG_LEVEL: "error",
    TELEGRAM_BOT_TOKEN: TELEGRAM_TEST_TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: telegram.secret,
    DEFAULT_MERCHANT_ID: merchantId,
  });
  const channels = createChannels({ config, db, clock: systemClock, logger: silentLogger });
  await channels.start();
  const deps = { config, db, clock: systemClock, logger: silentLogger, senders: channels.senders };
  const app = createApp({ ...deps, orderHooks: runtimeOrderHooks }, [channels.plugin]);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await channels.stop(5000);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One member per Telegram user id, opted in and linked to that user's private chat; returns the member ids. */
export async function linkedMembers(
  db: Db,
  merchantId: string,
  users: number[],
  phonePrefix: string,
): Promise<string[]> {
  const ids = users.map(() => newId("mem"));
  const now = systemClock.now();
  await db.insert(members).values(
    ids.map((id, i) => ({
      id,
      merchantId,
      phone: `${phonePrefix}${String(i).padStart(7, "0")}`,
      name: `Khách ${i}`,
      optedIn: true,
    })),
  );
  await db.insert(channelIdentities).values(
    ids.map((id, i) => ({
      merchantId,
      memberId: id,
      channel: "telegram",
      userId: String(users[i]),
      chatId: String(users[i]),
      linkedAt: now,
    })),
  );
  return ids;
}
