/**
 * Benchmark: Zalo OA CS messages per second to the fake OA server (own process) through each transport of
 * src/channels/zalo-http.ts — the undici pool Node uses (keep-alive, bounded sockets), the platform fetch (what
 * Workers use; on Node it is undici's global dispatcher), and a fresh connection per message (no pool).
 *
 *   npm run bench -- zalo-oa [--messages 2000] [--concurrency 16] [--connections 16]
 *
 * Token store: PGlite (the access token is read once and cached, as in production); every message is a real HTTP
 * round trip over loopback with the `error === 0` check. Checks: every message arrives exactly once.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fetchTransport, ZaloHttp, type ZaloTransport } from "../../src/channels/zalo-http.ts";
import { undiciTransport } from "../../src/channels/zalo-http-undici.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { createSecretBox } from "../../src/lib/secret-box.ts";
import { ZaloOaClient } from "../../src/zalo-oa/client.ts";
import { OaTokenStore } from "../../src/zalo-oa/tokens.ts";
import { ZALO_OA_TEST } from "../../test/fakes/zalo-oa-server.ts";
import { openTestDatabase } from "../../test/helpers/db.ts";
import { flag, machine, table } from "../lib/stats.ts";

export async function main(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write(
      "npm run bench -- zalo-oa [options]\n" +
        "  Zalo OA CS messages/s to the fake OA server through the undici pool, the platform fetch and no pool; target: " +
        "every message arrives exactly once (no rate target: the ratio between transports is the point)\n" +
        "  --messages N: messages sent through each transport (default 2000)\n" +
        "  --concurrency N: sends in flight (default 16)\n" +
        "  --connections N: sockets per host in the undici pool (default 16)\n",
    );
    return 0;
  }
  const messages = flag(args, "messages", 2000);
  const concurrency = flag(args, "concurrency", 16);
  const connections = flag(args, "connections", 16);

  const child = fork(fileURLToPath(new URL("./fake-zalo-oa-child.ts", import.meta.url)), [], {
    execArgv: ["--disable-warning=ExperimentalWarning"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ask = <T>(cmd?: string) =>
    new Promise<T>((resolve) => {
      child.once("message", (m) => resolve(m as T));
      if (cmd) child.send({ cmd });
    });
  const { url } = await ask<{ url: string }>();
  const database = await openTestDatabase();

  async function run(name: string, transport: ZaloTransport) {
    const http = new ZaloHttp(transport);
    const tokens = new OaTokenStore({
      db: database.db,
      oaId: ZALO_OA_TEST.oaId,
      appId: ZALO_OA_TEST.appId,
      appSecret: ZALO_OA_TEST.appSecret,
      oauthRoot: url,
      http,
      clock: systemClock,
      box: createSecretBox(undefined),
      logger: silentLogger,
      initial: { accessToken: ZALO_OA_TEST.accessToken, refreshToken: ZALO_OA_TEST.refreshToken },
    });
    const client = new ZaloOaClient({ apiRoot: url, http, tokens });
    await client.sendText("warm-up", "x");
    await ask("stats");
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < messages) {
          const i = next++;
          await client.sendText(`u${i}`, `Ưu đãi tháng 12 #${i}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const stats = await ask<{ sent: number }>("stats");
    await transport.close();
    if (stats.sent !== messages) throw new Error(`${name}: ${stats.sent} of ${messages} arrived`);
    return {
      transport: name,
      messages,
      concurrency,
      seconds: seconds.toFixed(2),
      "msg/s": Math.round(messages / seconds),
    };
  }

  const rows = [];
  rows.push(await run(`undici pool (${connections} conns)`, undiciTransport({ connections })));
  rows.push(await run("platform fetch", fetchTransport()));
  rows.push(await run("no pool (new connection each)", undiciTransport({ keepAlive: false, connections })));
  console.log(`Zalo OA send benchmark — ${machine()} — ${new Date().toISOString()}`);
  console.log(table(rows));
  child.send({ cmd: "close" });
  await database.close();
  return 0;
}
