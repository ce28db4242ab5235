import type { Command } from "../command.ts";
import { parseArgs, stringFlag, UsageError } from "../command.ts";
import { loadConfig, type Config } from "../../config.ts";
import { callBotApi } from "../../channels/bot-api.ts";
import { copyFor } from "../../messages/index.ts";

const CHANNELS = ["telegram", "zalo", "all"] as const;
type Which = (typeof CHANNELS)[number];

/** Updates the bot needs; everything else Telegram would send is ignored anyway. */
export const TELEGRAM_ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"];

function baseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an absolute URL such as https://loyalty.example.com (got "${raw}")`);
  }
  if (u.protocol !== "https:")
    throw new UsageError("--url must use https:// (Telegram and Zalo only deliver webhooks over HTTPS)");
  // Accept the server's base URL, with or without a trailing slash or the webhook path itself.
  return u
    .toString()
    .replace(/\/+$/, "")
    .replace(/\/webhooks\/(telegram|zalo)$/, "");
}

export function whichChannels(p: ReturnType<typeof parseArgs>): Which {
  const c = stringFlag(p, "channel") ?? "all";
  if (!(CHANNELS as readonly string[]).includes(c))
    throw new UsageError(`--channel must be telegram, zalo or all (got "${c}")`);
  return c as Which;
}

interface Outcome {
  channel: "telegram" | "zalo";
  ok: boolean;
  url?: string;
  detail: string;
}

async function telegram(config: Config, base: string, dropPending: boolean): Promise<Outcome> {
  const token = config.TELEGRAM_BOT_TOKEN!;
  const url = `${base}/webhooks/telegram`;
  const params: Record<string, unknown> = {
    url,
    allowed_updates: TELEGRAM_ALLOWED_UPDATES,
    drop_pending_updates: dropPending,
  };
  if (config.TELEGRAM_WEBHOOK_SECRET) params.secret_token = config.TELEGRAM_WEBHOOK_SECRET;
  await callBotApi(config.TELEGRAM_API_ROOT, token, "setWebhook", params);
  // The command menu, in Vietnamese (default) and English.
  await callBotApi(config.TELEGRAM_API_ROOT, token, "setMyCommands", { commands: copyFor("vi").commands });
  await callBotApi(config.TELEGRAM_API_ROOT, token, "setMyCommands", {
    commands: copyFor("vi").commands,
    language_code: "vi",
  });
  await callBotApi(config.TELEGRAM_API_ROOT, token, "setMyCommands", {
    commands: copyFor("en").commands,
    language_code: "en",
  });
  const detail = config.TELEGRAM_WEBHOOK_SECRET
    ? "webhook set (with secret token), commands registered"
    : "webhook set WITHOUT a secret token (set TELEGRAM_WEBHOOK_SECRET), commands registered";
  return { channel: "telegram", ok: true, url, detail };
}

async function zalo(config: Config, base: string): Promise<Outcome> {
  const secret = config.ZALO_WEBHOOK_SECRET;
  if (!secret || secret.length < 8 || secret.length > 256) {
    return {
      channel: "zalo",
      ok: false,
      detail: "ZALO_WEBHOOK_SECRET must be set (8–256 characters): Zalo requires a secret_token",
    };
  }
  const url = `${base}/webhooks/zalo`;
  await callBotApi(config.ZALO_API_ROOT, config.ZALO_BOT_TOKEN!, "setWebhook", { url, secret_token: secret });
  return { channel: "zalo", ok: true, url, detail: "webhook set (with secret token)" };
}

export const channelsSetWebhook: Command = {
  path: ["channels", "set-webhook"],
  summary: "Point the Telegram / Zalo bots at this server's webhooks",
  help: `Usage: npm run cli -- channels set-webhook --url <https://public-host> [--channel telegram|zalo|all] [--drop-pending] [--json]

Calls setWebhook on the configured bots (TELEGRAM_BOT_TOKEN, ZALO_BOT_TOKEN) through TELEGRAM_API_ROOT / ZALO_API_ROOT:
  Telegram: <url>/webhooks/telegram with secret_token = TELEGRAM_WEBHOOK_SECRET and allowed_updates
            ["message", "callback_query", "my_chat_member"]; also registers the command menu (Vietnamese default, English).
  Zalo:     <url>/webhooks/zalo with secret_token = ZALO_WEBHOOK_SECRET (required by Zalo, 8–256 characters).

Options:
  --url <url>        The server's public HTTPS base URL (default PUBLIC_URL)
  --channel <which>  telegram, zalo or all (default all: every configured bot)
  --drop-pending     Telegram: drop updates that queued up while no webhook was set
  --json             Print one JSON line with the outcome per channel

Exit codes: 0 all done, 1 a platform refused, 2 bad usage (no --url, no token for the chosen channel).

Example:
  npm run cli -- channels set-webhook --url https://loyalty.example.com --channel telegram`,
  async run(args) {
    const p = parseArgs(args, { url: true, channel: true, "drop-pending": false, json: false });
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const config = loadConfig(process.env);
    const raw = stringFlag(p, "url") ?? config.PUBLIC_URL;
    if (!raw) throw new UsageError("--url is required (or set PUBLIC_URL)");
    const base = baseUrl(raw);
    const which = whichChannels(p);
    const wantTelegram = which === "telegram" || (which === "all" && !!config.TELEGRAM_BOT_TOKEN);
    const wantZalo = which === "zalo" || (which === "all" && !!config.ZALO_BOT_TOKEN);
    if (wantTelegram && !config.TELEGRAM_BOT_TOKEN) throw new UsageError("TELEGRAM_BOT_TOKEN is not set");
    if (wantZalo && !config.ZALO_BOT_TOKEN) throw new UsageError("ZALO_BOT_TOKEN is not set");
    if (!wantTelegram && !wantZalo)
      throw new UsageError("no bot is configured: set TELEGRAM_BOT_TOKEN and/or ZALO_BOT_TOKEN");
    const outcomes: Outcome[] = [];
    const attempt = async (channel: "telegram" | "zalo", f: () => Promise<Outcome>) => {
      try {
        outcomes.push(await f());
      } catch (err) {
        outcomes.push({ channel, ok: false, detail: err instanceof Error ? err.message : String(err) });
      }
    };
    if (wantTelegram) await attempt("telegram", () => telegram(config, base, p.flags.has("drop-pending")));
    if (wantZalo) await attempt("zalo", () => zalo(config, base));
    if (p.flags.has("json")) process.stdout.write(JSON.stringify({ channels: outcomes }) + "\n");
    else
      for (const o of outcomes)
        process.stdout.write(`${o.channel}: ${o.ok ? "ok" : "FAILED"} — ${o.detail}${o.url ? ` (${o.url})` : ""}\n`);
    return outcomes.every((o) => o.ok) ? 0 : 1;
  },
};
