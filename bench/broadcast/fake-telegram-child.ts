/**
 * The fake Telegram Bot API in its own process (so the benchmark's sender and database work cannot stall the
 * "platform's" clock). Enforces LIMIT msg/s (sliding second) and 1/s per chat when LIMIT is set. Talks to the parent
 * over IPC: sends { url, token } when listening; answers { cmd: "stats" } with a summary of what it received.
 */
import { FakeTelegramServer } from "../../test/fakes/telegram-server.ts";

const limit = process.env.LIMIT ? Number(process.env.LIMIT) : undefined;
const tg = await FakeTelegramServer.start();
// The shared fake closes idle sockets after 1 s and advertises `Keep-Alive: timeout=1`, which Node's HTTP clients
// (http.Agent, fetch) take as "never reuse": every call would open a new TCP connection. The real Bot API keeps
// connections alive, so the benchmark's fake does too.
// biome-ignore lint/complexity/useLiteralKeys: a private field of the shared fake, reached from the bench only
const http = tg["started"]?.server;
if (http) http.keepAliveTimeout = 30_000;
if (limit) tg.enforceRate({ perSecond: limit, perChatPerSecond: 1 });

process.on("message", (m: { cmd?: string }) => {
  if (m.cmd === "stats") {
    const ok = tg.succeeded("sendMessage");
    const perChat = new Map<string, number>();
    for (const x of ok) perChat.set(x.chatId!, (perChat.get(x.chatId!) ?? 0) + 1);
    process.send!({
      ok: ok.length,
      chats: perChat.size,
      duplicates: [...perChat.values()].filter((n) => n > 1).length,
      times: ok.map((x) => x.at),
      rateLimitHits: tg.rateLimitHits,
      count429: tg.count429(),
    });
  } else if (m.cmd === "close") {
    void tg.close().then(() => process.exit(0));
  }
});
process.send!({ url: tg.url, token: tg.token });
