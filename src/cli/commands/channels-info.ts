import type { Command } from "../command.ts";
import { parseArgs, UsageError } from "../command.ts";
import { loadConfig } from "../../config.ts";
import { botIdOf, callBotApi } from "../../channels/bot-api.ts";
import { whichChannels } from "./channels-set-webhook.ts";

export const channelsInfo: Command = {
  path: ["channels", "info"],
  summary: "Show the configured bots (getMe) and their webhooks (getWebhookInfo)",
  help: `Usage: npm run cli -- channels info [--channel telegram|zalo|all]

Prints one JSON line: for each configured bot its identity (getMe) and webhook state (getWebhookInfo), fetched
through TELEGRAM_API_ROOT / ZALO_API_ROOT. Tokens are never printed (only the bot id, the part before ":").

Exit codes: 0 every call answered, 1 a call failed, 2 no bot configured.`,
  async run(args) {
    const p = parseArgs(args, { channel: true });
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const config = loadConfig(process.env);
    const which = whichChannels(p);
    const out: Record<string, unknown> = {};
    let failed = false;
    const probe = async (name: "telegram" | "zalo", apiRoot: string, token: string | undefined) => {
      if (!token) {
        out[name] = { configured: false };
        return;
      }
      const entry: Record<string, unknown> = { configured: true, botId: botIdOf(token), apiRoot };
      for (const [key, method] of [
        ["me", "getMe"],
        ["webhook", "getWebhookInfo"],
      ] as const) {
        try {
          entry[key] = await callBotApi(apiRoot, token, method);
        } catch (err) {
          failed = true;
          entry[key] = { error: err instanceof Error ? err.message : String(err) };
        }
      }
      out[name] = entry;
    };
    if (which !== "zalo") await probe("telegram", config.TELEGRAM_API_ROOT, config.TELEGRAM_BOT_TOKEN);
    if (which !== "telegram") await probe("zalo", config.ZALO_API_ROOT, config.ZALO_BOT_TOKEN);
    if (!config.TELEGRAM_BOT_TOKEN && !config.ZALO_BOT_TOKEN) {
      process.stdout.write(JSON.stringify(out) + "\n");
      throw new UsageError("no bot is configured: set TELEGRAM_BOT_TOKEN and/or ZALO_BOT_TOKEN");
    }
    process.stdout.write(JSON.stringify(out) + "\n");
    return failed ? 1 : 0;
  },
};
