/** `campaigns send <id>`: starts the campaign, delivers through the configured Telegram bot, reports progress. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { runCli } from "../helpers/cli.ts";
import { FakeTelegramServer } from "../fakes/telegram-server.ts";
import { createMerchant } from "../../src/merchants/service.ts";
import { createSegment } from "../../src/segments/service.ts";
import { createCampaign } from "../../src/campaigns/service.ts";
import { seedAudience } from "./seed.ts";

let d: TestDatabase;
let tg: FakeTelegramServer;
beforeAll(async () => {
  d = await openTestDatabase();
  tg = await FakeTelegramServer.start();
});
afterAll(async () => {
  await tg.close();
  await d.close();
});

describe("campaigns send (CLI)", () => {
  it("sends, shows plain progress lines off a TTY, prints the counts; a second run reports it was sent (exit 1)", {
    timeout: 120_000,
  }, async () => {
    const now = new Date();
    const { merchantId } = await createMerchant(d.db, { name: "cli" });
    await seedAudience(d.db, merchantId, 120, { tag: "cli", chatBase: 400_000_000, now });
    const seg = await createSegment(d.db, merchantId, { name: "all", rule: { all: [] } }, now, "test");
    const c = await createCampaign(
      d.db,
      merchantId,
      {
        name: "cli",
        segmentId: seg.id,
        message: { vi: "Chào {{firstName}}", en: "Hi {{firstName}}" },
        controlPercent: 10,
      },
      now,
    );
    const env = {
      DATABASE_URL: d.url!,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      TELEGRAM_BROADCAST_RATE: "60",
    };

    const r = await runCli(["campaigns", "send", c.id, "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out.status).toBe("done");
    const k = out.counts;
    expect(k.recipients).toBe(120);
    expect(k.sent + k.failed + k.blocked + k.optedOut + k.skippedCap + k.control).toBe(120);
    expect(k.sent).toBe(120 - k.control);
    expect(tg.succeeded("sendMessage")).toHaveLength(k.sent);
    expect(r.stderr).toMatch(/campaign .*\d+\/\d+ .*msg\/s ETA/); // plain progress lines (not a TTY)

    const again = await runCli(["campaigns", "send", c.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already sent");
    expect(again.stdout).toContain(`${k.sent} sent`);
    expect(tg.succeeded("sendMessage")).toHaveLength(k.sent);

    expect((await runCli(["campaigns", "send"], env)).code).toBe(2);
    expect((await runCli(["campaigns", "send", "cmp_nope"], env)).code).toBe(2);
    const help = await runCli(["campaigns", "send", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: npm run cli -- campaigns send <campaignId>");
  });
});
