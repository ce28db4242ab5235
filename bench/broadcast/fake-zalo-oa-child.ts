/**
 * The fake Zalo OA API in its own process (the benchmark's sender cannot stall it). Sends { url } over IPC when
 * listening; answers { cmd: "stats" } with { sent, refreshCalls }; exits on { cmd: "close" }.
 */
import { FakeZaloOaServer } from "../../test/fakes/zalo-oa-server.ts";

const oa = await FakeZaloOaServer.start();
process.on("message", (m: { cmd?: string }) => {
  if (m.cmd === "stats") {
    process.send!({ sent: oa.sent.length, refreshCalls: oa.refreshCalls });
    oa.reset();
  } else if (m.cmd === "close") {
    void oa.close().then(() => process.exit(0));
  }
});
process.send!({ url: oa.url });
