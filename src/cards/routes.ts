/**
 * The loyalty card's HTTP routes:
 *  - `GET /card`: the card page (Telegram Mini App, or the web simulator's "My card").
 *  - `POST /card/api/session`: Telegram `initData` (validated with the bot token) or a simulator client id → the
 *    linked member's card and a session token; `GET /card/api/card` (Bearer session) → the card with a fresh code.
 *  - `POST /v1/cards/scan` (API key): the till resolves a scanned code to the merchant's member.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { apiGroup, ok } from "../http/route.ts";
import { Problem } from "../http/problem.ts";
import { parseBody } from "../http/validate.ts";
import { findMember } from "../members/service.ts";
import { toLang } from "../messages/render.ts";
import { cardSecret, readSession, signSession } from "./code.ts";
import { validateInitData } from "./init-data.ts";
import { CARD_HTML } from "./page.ts";
import { cardView, linkedMember, scanCard } from "./service.ts";
import { telegramBotUsername } from "../channels/bot-info.ts";

export const CARD_PATH = "/card";

// ---------------------------------------------------------------------------------------------- POST /v1/cards/scan

export const CardScanSchema = z.object({
  code: z.string().min(1).max(200).describe("The text of the QR code on the member's card (changes every 30 s)"),
});

export const CardScanView = z.object({
  memberId: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  language: z.enum(["vi", "en"]),
  tier: z.string().nullable(),
  balance: z.number().int().describe("Spendable points"),
  pending: z.number().int().describe("Points not spendable yet"),
  nextTier: z.object({ name: z.string(), minSpend: z.number(), spendNeeded: z.number() }).nullable(),
  scannedAt: z.string(),
});

const api = apiGroup("Cards");

api.post(
  "/v1/cards/scan",
  {
    summary: "Resolve a scanned loyalty-card QR code to the member (no phone number at the till)",
    description:
      "The member shows the card in Telegram (Mini App) or the web simulator; its QR code changes every 30 seconds. " +
      "A code is accepted during its own 30-second step and the next one, once. Then place the order with `memberId`.",
    body: CardScanSchema,
    responses: ok("The member", CardScanView, {
      400: "No code in the body (validation)",
      404: "Not a card code of this merchant's member (card-code-not-found)",
      409: "The code is older than its step and the next (card-code-expired) or was scanned already (card-code-used)",
    }),
  },
  async ({ db, merchantId, deps, now, body: { code } }) => scanCard(db, cardSecret(deps.config), merchantId, code, now),
);

// ------------------------------------------------------------------------------------------------- the card page

export const CardSessionSchema = z
  .object({
    initData: z.string().max(8192).optional().describe("Telegram.WebApp.initData, exactly as Telegram gave it"),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/, "16–64 characters of A-Z a-z 0-9 _ -")
      .optional()
      .describe("The web simulator's client id (its chat identity)"),
  })
  .describe("One of initData (Telegram Mini App) or clientId (web simulator)");

const CardCodeView = z.object({
  value: z.string(),
  svg: z.string().describe("The QR code of value, an SVG document"),
  refreshAt: z.string(),
  stepSeconds: z.number().int(),
});
const CardViewSchema = z.object({
  memberId: z.string(),
  name: z.string().nullable(),
  lang: z.enum(["vi", "en"]),
  currency: z.string(),
  balance: z.number().int(),
  pending: z.number().int(),
  expiringSoon: z.object({ points: z.number(), before: z.string(), firstExpiry: z.string().nullable() }),
  tier: z.object({ name: z.string() }).nullable(),
  nextTier: z.object({ name: z.string(), minSpend: z.number(), spendNeeded: z.number() }).nullable(),
  netSpend: z.number(),
  vouchers: z.array(z.object({ code: z.string(), name: z.string(), expiresAt: z.string().nullable() })),
  offers: z.array(z.object({ id: z.string(), text: z.string(), expiresAt: z.string().nullable() })),
  code: CardCodeView,
});
const SessionView = z.object({ token: z.string(), expiresAt: z.string(), card: CardViewSchema });

doc({
  method: "post",
  path: "/card/api/session",
  tag: "Cards",
  summary: "The card page opens: Telegram initData (or a simulator client id) → the linked member's card",
  description:
    'initData is validated with the bot token (HMAC-SHA256 with key HMAC_SHA256("WebAppData", token), constant-time) ' +
    "and its auth_date must be at most CARD_INIT_DATA_MAX_AGE_SECONDS old. The token authorises GET /card/api/card.",
  auth: false,
  body: CardSessionSchema,
  responses: ok("The card and a session token (12 h)", SessionView, {
    401: "initData missing (init-data-missing), forged (init-data-invalid) or stale (init-data-stale)",
    404: "This Telegram user / simulator client has not linked a member (card-not-linked)",
  }),
});
doc({
  method: "get",
  path: "/card/api/card",
  tag: "Cards",
  summary: "The card again with the current QR code (the page polls it every ~25 s)",
  auth: false,
  headers: [{ name: "Authorization", required: true, description: "Bearer <token from POST /card/api/session>" }],
  responses: ok("The card", CardViewSchema, {
    401: "No valid session (card-session-invalid)",
    404: "The member is gone (card-not-linked)",
  }),
});

const unauthorized = (slug: string, detail: string) => new Problem(401, slug, "Unauthorized", detail);
const notLinked = () =>
  new Problem(404, "card-not-linked", "No linked member", "Link this chat to a member first (/start <code>)");

/** Telegram Web opens Mini Apps in a frame; the apps' WebViews do not. Nothing else may frame the card. */
const CARD_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors https://web.telegram.org https://*.telegram.org";

function noStore(c: Context<AppEnv>) {
  c.header("cache-control", "no-store");
}

export const cardPageRoutes = new Hono<AppEnv>();

cardPageRoutes.get(CARD_PATH, (c) => {
  c.header("content-security-policy", CARD_CSP);
  c.header("referrer-policy", "no-referrer");
  return c.html(CARD_HTML);
});

cardPageRoutes.post(`${CARD_PATH}/api/session`, async (c) => {
  noStore(c);
  const input = await parseBody(c, CardSessionSchema);
  const { config, clock } = c.get("deps");
  const db = c.get("db");
  const now = clock.now();
  let member;
  if (input.initData !== undefined || input.clientId === undefined) {
    if (!config.TELEGRAM_BOT_TOKEN) throw unauthorized("init-data-invalid", "No Telegram bot is configured");
    const v = validateInitData(
      input.initData,
      config.TELEGRAM_BOT_TOKEN,
      now.getTime(),
      config.CARD_INIT_DATA_MAX_AGE_SECONDS,
    );
    if (!v.ok) {
      if (v.reason === "missing") throw unauthorized("init-data-missing", "Open the card from the Telegram bot");
      if (v.reason === "stale")
        throw unauthorized("init-data-stale", "The Telegram session is too old: reopen the card");
      throw unauthorized("init-data-invalid", "The Telegram data is not signed by this bot");
    }
    member = await linkedMember(db, "telegram", String(v.user.id), config.DEFAULT_MERCHANT_ID);
  } else {
    member = await linkedMember(db, "web", input.clientId, config.DEFAULT_MERCHANT_ID);
  }
  if (!member) throw notLinked();
  const secret = cardSecret(config);
  const session = signSession(
    secret,
    { merchantId: member.merchantId, memberId: member.id, lang: toLang(member.language) },
    now,
  );
  return c.json({
    token: session.token,
    expiresAt: session.expiresAt.toISOString(),
    card: await cardView(db, secret, member, now, await telegramBotUsername(config, db, now)),
  });
});

cardPageRoutes.get(`${CARD_PATH}/api/card`, async (c) => {
  noStore(c);
  const { config, clock } = c.get("deps");
  const now = clock.now();
  const secret = cardSecret(config);
  const auth = c.req.header("authorization");
  const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
  const session = readSession(secret, token, now);
  if (!session) throw unauthorized("card-session-invalid", "Reopen the card");
  const db = c.get("db");
  const member = await findMember(db, session.merchantId, session.memberId);
  if (!member) throw notLinked();
  return c.json(await cardView(db, secret, member, now, await telegramBotUsername(config, db, now)));
});

export const cardScanRoutes = api.app;
