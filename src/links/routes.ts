/** `POST /v1/members/{id}/link-codes`: a one-time code (and Telegram deep link) that links a chat to the member. */
import { z } from "zod";
import { apiGroup, created } from "../http/route.ts";
import { requireMember } from "../members/service.ts";
import { telegramBotUsername } from "../channels/bot-info.ts";
import { createLinkCode, DEFAULT_LINK_CODE_DAYS } from "./service.ts";

const api = apiGroup("Members");

export const CreateLinkCodeSchema = z.object({
  expiresInDays: z
    .number()
    .int()
    .min(1)
    .max(365)
    .optional()
    .describe(`Days the code stays valid (default ${DEFAULT_LINK_CODE_DAYS})`),
});

export const LinkCodeView = z.object({
  code: z
    .string()
    .describe(
      "8 characters without look-alikes; single use; case-insensitive when typed; a valid Telegram deep-link payload",
    ),
  expiresAt: z.string().describe("ISO 8601"),
  telegramLink: z
    .string()
    .nullable()
    .describe("https://t.me/<bot>?start=<code> when a Telegram bot is configured, else null"),
  memberId: z.string(),
});

api.post(
  "/v1/members/{id}/link-codes",
  {
    summary: "Create a one-time link code for the member's chat (Telegram, Zalo, web simulator)",
    description:
      "The customer types the code in any chat with the bot, or opens `telegramLink`. The code is single use and expires (default 7 days). " +
      "Linking opts the member in to promotional messages (`/stop` in chat opts out). The body is optional.",
    body: CreateLinkCodeSchema,
    responses: created("The code", LinkCodeView, { 404: "No such member of this merchant (member-not-found)" }),
  },
  async ({ c, db, merchantId, deps, now, param, body: input }) => {
    const member = await requireMember(db, merchantId, param("id"));
    const { code, expiresAt } = await createLinkCode(db, merchantId, member.id, now, input.expiresInDays);
    const username = await telegramBotUsername(deps.config, db, now, c.get("logger"));
    return c.json(
      {
        code,
        expiresAt: expiresAt.toISOString(),
        telegramLink: username ? `https://t.me/${username}?start=${code}` : null,
        memberId: member.id,
      },
      201,
    );
  },
);

export const linkRoutes = api.app;
