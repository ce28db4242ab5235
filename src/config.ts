/** Configuration from environment variables (Node: process.env; Workers: bindings). The only place env is read. */
import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  DATABASE_URL: optionalString,
  DATA_DIR: z.string().default("./.data"),
  /** Connections in the postgres.js pool (Node with DATABASE_URL). */
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Postgres: seconds to wait for a connection, and the server-side statement_timeout in ms (0 = none). */
  DB_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(5),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Seconds a client is told to wait (Retry-After) when the database is unreachable. */
  DB_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /**
   * Whose address counts as the client's IP (abuse limits): "socket" = the TCP peer (Node) or CF-Connecting-IP
   * (Workers); "x-forwarded-for" = the last hop appended by a reverse proxy you run in front. See docs/security.md.
   */
  TRUST_PROXY: z.enum(["socket", "x-forwarded-for"]).default("socket"),
  /** Wrong link codes allowed per hour: per client IP (or chat user), per code, and in total across all clients. */
  LINK_ATTEMPTS_PER_IP_HOUR: z.coerce.number().int().min(1).default(20),
  LINK_ATTEMPTS_PER_CODE_HOUR: z.coerce.number().int().min(1).default(5),
  LINK_ATTEMPTS_GLOBAL_HOUR: z.coerce.number().int().min(1).default(300),
  /** Web simulator messages per client IP per minute. */
  SIMULATOR_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  PUBLIC_URL: optionalString,
  DEFAULT_MERCHANT_ID: optionalString,
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  TELEGRAM_API_ROOT: z.string().default("https://api.telegram.org"),
  TELEGRAM_BROADCAST_RATE: z.coerce.number().positive().default(25),
  /**
   * Loyalty card (Telegram Mini App, src/cards): the server secret the 30-second QR codes and the card page's
   * sessions are signed with (≥ 32 random characters; the same on every process and Worker). Unset: derived from
   * TELEGRAM_BOT_TOKEN, else a random per-process secret (codes then work only on the process that showed them).
   */
  CARD_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, "at least 16 characters"),
  /** Oldest Telegram Mini App initData (its auth_date) the card page accepts, in seconds (default 1 h). */
  CARD_INIT_DATA_MAX_AGE_SECONDS: z.coerce.number().int().min(30).max(86_400).default(3600),
  ZALO_BOT_TOKEN: optionalString,
  ZALO_WEBHOOK_SECRET: optionalString,
  ZALO_API_ROOT: z.string().default("https://bot-api.zaloplatforms.com"),
  ZALO_BROADCAST_RATE: z.coerce.number().positive().default(10),
  /**
   * ZNS (Zalo template messages to phone numbers, src/channels/zns.ts): the OA access token until the OA token
   * store (with refresh) is wired in; unset = no ZNS sender (queued ZNS messages fail as unroutable).
   */
  ZNS_ACCESS_TOKEN: optionalString,
  ZNS_API_ROOT: z.string().default("https://business.openapi.zalo.me"),
  ZNS_BROADCAST_RATE: z.coerce.number().positive().default(10),
  /** Zalo Official Account (bots/zalo-oa, docs/zalo-oa.md): on when ZALO_OA_ID and the tokens are set. */
  ZALO_OA_ID: optionalString,
  ZALO_OA_APP_ID: optionalString,
  /** The app's secret key (the OAuth token endpoint's `secret_key` header). */
  ZALO_OA_APP_SECRET: optionalString,
  /** The OA secret key of the webhook settings (X-ZEvent-Signature); the app secret is accepted too. */
  ZALO_OA_SECRET_KEY: optionalString,
  /** The first token pair (from the OA authorisation); later pairs live in the database (zalo_oa_tokens). */
  ZALO_OA_ACCESS_TOKEN: optionalString,
  ZALO_OA_REFRESH_TOKEN: optionalString,
  ZALO_OA_API_ROOT: z.string().default("https://openapi.zalo.me"),
  ZALO_OA_OAUTH_ROOT: z.string().default("https://oauth.zaloapp.com"),
  /** Messages outside the 48 h / 8-reply window allowed per calendar month (Vietnam time); beyond it: refused. */
  ZALO_OA_PROACTIVE_MONTHLY_QUOTA: z.coerce.number().int().min(0).default(1000),
  ZALO_OA_BROADCAST_RATE: z.coerce.number().positive().default(10),
  LLM_PROVIDER: z.enum(["openai", "anthropic", "openai-compatible"]).optional().catch(undefined),
  LLM_MODEL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_BASE_URL: optionalString,
  /** The assistant's conversation memory: turns kept per chat (0 = none) and minutes of silence that end it. */
  LLM_MEMORY_TURNS: z.coerce.number().int().min(0).max(20).default(6),
  LLM_MEMORY_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  /**
   * Bearer token for GET /metrics (Prometheus). Unset: /metrics answers only direct loopback clients on Node (no
   * proxy headers) and 403 to everyone else, including every client on Workers.
   */
  METRICS_TOKEN: optionalString,
  /** "production" makes missing production secrets (SECRETS_KEY) a start-up error. */
  NODE_ENV: optionalString,
  /**
   * Key that seals stored third-party secrets (shop webhook secrets, outbound signing secrets, API credentials) with
   * AES-GCM (src/lib/secret-box.ts); ≥ 32 characters, the same on every process and Worker. Required in production.
   */
  SECRETS_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, "at least 32 characters"),
  /**
   * Outbound events (docs/webhooks.md): endpoint URLs on private/loopback addresses. Unset: allowed unless
   * NODE_ENV=production (a receiver on this machine in development just works); `false`/`0` refuses them; never
   * allowed in production.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v === "true" || v === "1")),
  /** Outbound events: seconds an endpoint has to answer one delivery attempt. */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  /** KiotViet public API and token endpoint (shop integrations re-read invoices there); overridable for tests. */
  KIOTVIET_API_ROOT: z.string().default("https://public.kiotapi.com"),
  KIOTVIET_TOKEN_URL: z.string().default("https://id.kiotviet.vn/connect/token"),
  /** Seed a demo shop on first start of an empty embedded database ("false" to disable). */
  DEMO_SEED: z
    .string()
    .optional()
    .transform((v) => v !== "false" && v !== "0"),
});

export type Config = z.output<typeof ConfigSchema>;

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new Error(`invalid configuration: ${first.path.join(".")}: ${first.message}`);
  }
  if (parsed.data.NODE_ENV === "production" && !parsed.data.SECRETS_KEY) {
    throw new Error("invalid configuration: SECRETS_KEY: required when NODE_ENV=production");
  }
  return parsed.data;
}
