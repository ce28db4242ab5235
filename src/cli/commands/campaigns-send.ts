import type { CampaignCounts } from "../../campaigns/service.ts";
import type { Command } from "../command.ts";
import { parseArgs, UsageError } from "../command.ts";
import { openCliDatabase } from "../db.ts";
import { createProgress } from "../progress.ts";
import { loadConfig } from "../../config.ts";
import { createLogger } from "../../lib/log.ts";
import { systemClock } from "../../lib/clock.ts";
import { DomainError } from "../../lib/errors.ts";

export const campaignsSend: Command = {
  path: ["campaigns", "send"],
  summary: "Send a campaign now and follow its delivery (live progress)",
  help: `Usage: npm run cli -- campaigns send <campaignId> [--watch-only] [--json]

Starts the campaign (a draft or a scheduled one) exactly like POST /v1/campaigns/{id}/send — recipients are fixed
now — and shows live progress until every recipient is settled: sent, failed, blocked, opted out, skipped by the
frequency cap, control group; messages per second and ETA. On a terminal the bar is redrawn in place; otherwise one
plain line every 2 seconds (stderr). A campaign that is already sending is followed; one that is done is reported.

Delivery runs in this process with the channels configured in the environment (TELEGRAM_BOT_TOKEN, ZALO_BOT_TOKEN,
…), paced at TELEGRAM_BROADCAST_RATE / ZALO_BROADCAST_RATE. When a server (npm start) is already delivering on the
same database, it keeps the channel and this command only follows the progress: the bot's rate is never exceeded.
Next to a server on the embedded database (DATA_DIR), the server itself starts and delivers the campaign and
this command follows it over a loopback call: the server's database is never borrowed, so it never pauses.
Ctrl-C stops following; the campaign keeps going (the server, or the next run, finishes it).

Options:
  --watch-only   Do not deliver from this process; only start/follow
  --json         Print the final counts as one JSON line on stdout

Exit code: 0 when the campaign is done, 1 when it was already done before this run, 2 on bad usage.

Example:
  npm run cli -- campaigns send cmp_7k3q…`,
  async run(args) {
    const p = parseArgs(args, { "watch-only": false, json: false });
    if (p.positionals.length !== 1) throw new UsageError("expected exactly one campaign id");
    const id = p.positionals[0]!;
    const config = loadConfig(process.env);
    const logger = createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL, {
      service: "chatloyalty-cli",
    });
    // Next to a running server on the embedded database: the server starts and delivers the campaign, this command
    // follows its progress over the loopback control channel (the server's database is never borrowed).
    const { runInHolder } = await import("../../db/open.ts");
    const where = { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR };
    const started = await runInHolder(where, "campaigns.start", { campaignId: id });
    if (started) {
      const { merchantId, wasDone } = started.result as { merchantId: string; wasDone: boolean };
      if (wasDone) process.stderr.write(`campaign ${id} was already sent\n`);
      const view = async () =>
        (await runInHolder(where, "campaigns.view", { merchantId, campaignId: id }))!.result as CampaignProgress;
      return follow(id, view, { json: p.flags.has("json"), alreadyDone: wasDone });
    }

    const database = await openCliDatabase();
    const { campaigns } = await import("../../campaigns/tables.ts");
    const { eq } = await import("drizzle-orm");
    const { startCampaign, getCampaignView } = await import("../../campaigns/service.ts");
    const { budgetSendGuard } = await import("../../budget/guard.ts");
    let stopWorker: (() => Promise<void>) | undefined;
    try {
      const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, id)).limit(1);
      if (!row) throw new UsageError(`no campaign ${id}`);
      const merchantId = row.merchantId;
      let alreadyDone = false;
      if (row.status === "draft" || row.status === "scheduled") {
        await startCampaign(database.db, merchantId, id, systemClock.now(), budgetSendGuard);
      } else if (row.status === "done") {
        alreadyDone = true;
        process.stderr.write(`campaign ${id} was already sent\n`);
      } else if (row.status === "cancelled") {
        throw new UsageError(`campaign ${id} was cancelled`);
      }

      if (!alreadyDone && !p.flags.has("watch-only")) {
        // The same runtime as the server's; only its delivery worker runs here (no sendAt scheduler, no schedules).
        const { createRuntime } = await import("../../runtime/runtime.ts");
        const runtime = createRuntime({ config, db: database.db, clock: systemClock, logger });
        await runtime.start({
          channels: false,
          schedules: false,
          delivery: { scheduler: false, failUnroutable: false },
        });
        stopWorker = () => runtime.stop();
      }

      return await follow(id, () => getCampaignView(database.db, merchantId, id), {
        json: p.flags.has("json"),
        alreadyDone,
      });
    } catch (err) {
      if (err instanceof DomainError) throw new UsageError(err.message);
      throw err;
    } finally {
      await stopWorker?.().catch(() => {});
      await database.close();
    }
  },
};

interface CampaignProgress {
  status: string;
  counts: CampaignCounts;
}

/** Live progress until the campaign is done (or Ctrl-C), then the final counts; returns the exit code. */
async function follow(
  id: string,
  read: () => Promise<CampaignProgress>,
  o: { json: boolean; alreadyDone: boolean },
): Promise<number> {
  const progress = createProgress({ label: `campaign ${id}`, unit: "msg", delayMs: 0 });
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once("SIGINT", onSigint);
  let view = await read();
  const startSettled = settledOf(view);
  for (;;) {
    const settled = settledOf(view);
    const c = view.counts;
    progress.update(
      settled - startSettled,
      Math.max(0, c.recipients - startSettled),
      `sent ${c.sent} · failed ${c.failed} · blocked ${c.blocked} · opted out ${c.optedOut} · capped ${c.skippedCap} · control ${c.control}`,
    );
    if (view.status === "done" || interrupted) break;
    await new Promise((r) => setTimeout(r, 250));
    view = await read();
  }
  process.off("SIGINT", onSigint);
  progress.finish(view.status === "done" ? "done" : "stopped following (delivery continues)");
  const c = view.counts;
  if (o.json) process.stdout.write(JSON.stringify({ id, status: view.status, counts: c }) + "\n");
  else
    process.stdout.write(
      `${id}: ${view.status}; ${c.recipients} recipients: ${c.sent} sent, ${c.failed} failed, ${c.blocked} blocked, ${c.optedOut} opted out, ${c.skippedCap} over the frequency cap, ${c.control} control\n`,
    );
  return o.alreadyDone ? 1 : 0;
}

function settledOf(v: {
  counts: { sent: number; failed: number; blocked: number; optedOut: number; skippedCap: number; control: number };
}): number {
  const c = v.counts;
  return c.sent + c.failed + c.blocked + c.optedOut + c.skippedCap + c.control;
}
