/**
 * /start, link codes (typed or deep-linked), Telegram's shared contact, /stop and opting back in. Each of them starts
 * the assistant's conversation memory afresh (a chat re-linked to another member never sees the previous turns).
 */
import { claimLinkCode, linkChat, normalizeLinkCode, setOptIn } from "../../../src/links/service.ts";
import {
  DEFAULT_LINK_LIMITS,
  linkAttemptBlocked,
  linkClientKey,
  recordLinkFailure,
} from "../../../src/links/attempts.ts";
import { clearMemory } from "../../../src/llm/memory.ts";
import { findMember, findMemberByPhone, membersWithPhone } from "../../../src/members/service.ts";
import { normalizePhone } from "../../../src/members/phone.ts";
import { firstName } from "../../../src/messages/render.ts";
import { chatLanguage } from "../state.ts";
import { linkHelp, menu, msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";
import { pointsReply } from "./account.ts";
import { consentQuestion } from "./privacy.ts";
import { wording } from "../../../src/privacy/wording.ts";
import { getProgram } from "../../../src/program/service.ts";

/** Links the chat to the member and answers as a successful link does (also the referral path's last step). */
export async function linked(ctx: Ctx, merchantId: string, memberId: string): Promise<ReplyMessage[]> {
  const { input, db, now } = ctx;
  // A language the chat chose before linking is an explicit request: the member keeps it.
  const chosen = await chatLanguage(db, input.channel, input.userId);
  const { alreadyLinked, consentMode } = await linkChat(
    db,
    { merchantId, memberId, channel: input.channel, userId: input.userId, chatId: input.chatId },
    now,
    chosen,
  );
  await forget(ctx);
  const member = await findMember(db, merchantId, memberId);
  ctx.member = member;
  ctx.merchantId = merchantId;
  if (member) ctx.setLang(member.language === "en" ? "en" : "vi");
  const name = firstName(member?.name);
  const first = msg(alreadyLinked ? ctx.copy.alreadyLinked(name) : ctx.copy.linked(name), menu(ctx.copy));
  // The spec's link reply first, then the terms and the marketing question (Decree 13: ask, record the answer).
  return member ? [first, await pointsReply(ctx, member), consentQuestion(ctx, consentMode)] : [first];
}

/** A link code from /start <code>, /link <code> or typed alone. */
export async function linkWithCode(ctx: Ctx, code: string): Promise<ReplyMessage[]> {
  const key = `${ctx.input.channel}:${ctx.input.userId}`;
  if (ctx.linkFailures.exhausted(key)) return [msg(ctx.copy.linkTooManyAttempts())];
  // The same limits in the database: per IP (or chat user), per code and in total, across processes.
  const cfg = ctx.deps.config;
  const limits = {
    perClient: cfg.LINK_ATTEMPTS_PER_IP_HOUR ?? DEFAULT_LINK_LIMITS.perClient,
    perCode: cfg.LINK_ATTEMPTS_PER_CODE_HOUR ?? DEFAULT_LINK_LIMITS.perCode,
    global: cfg.LINK_ATTEMPTS_GLOBAL_HOUR ?? DEFAULT_LINK_LIMITS.global,
  };
  const client = linkClientKey(ctx.input.channel, ctx.input.userId, ctx.input.clientIp);
  const normalized = normalizeLinkCode(code) ?? code.slice(0, 64);
  const blocked = await linkAttemptBlocked(ctx.db, client, normalized, ctx.now, limits);
  if (blocked) return [msg(ctx.copy.linkTooManyAttempts())];
  // A bot serving one shop accepts only that shop's codes; when it can't tell (several shops, no default),
  // the code itself says which shop.
  const claimed = await claimLinkCode(ctx.db, code, ctx.now, ctx.serving);
  if (!claimed) {
    ctx.linkFailures.take(key);
    await recordLinkFailure(ctx.db, client, ctx.now);
    return [linkHelp(ctx, ctx.copy.linkCodeInvalid())];
  }
  return linked(ctx, claimed.merchantId, claimed.memberId);
}

/** Forgets this chat's conversation memory, for every shop. */
async function forget(ctx: Ctx): Promise<void> {
  await clearMemory(ctx.db, { channel: ctx.input.channel, chatId: ctx.input.userId });
}

export async function start(ctx: Ctx, code: string | undefined): Promise<ReplyMessage[]> {
  if (code) return linkWithCode(ctx, code);
  await forget(ctx);
  const m = ctx.member;
  if (!m || !ctx.merchantId) return [linkHelp(ctx, ctx.copy.welcomeUnlinked(ctx.input.channel))];
  const name = firstName(m.name);
  const { consentMode } = await getProgram(ctx.db, ctx.merchantId);
  // /start again opts the member back in to promotions. Strict opt-in: a bare /start is also how a chat is
  // reopened, not a yes; a member without consent is asked instead.
  const changed =
    consentMode === "link" && (await setOptIn(ctx.db, ctx.merchantId, m.id, true, ctx.now, optInHow(ctx)));
  const reply = msg(changed ? ctx.copy.optedIn() : ctx.copy.welcomeBack(name), menu(ctx.copy));
  reply.cardButton = ctx.copy.buttons.card;
  return consentMode === "explicit" && !m.optedIn ? [reply, consentQuestion(ctx, consentMode)] : [reply];
}

/** What the member acted on when opting back in (/start, the button, a keyword), for the consent record. */
function optInHow(ctx: Ctx) {
  return { channel: ctx.input.channel, language: ctx.lang, wording: wording("startCommand", ctx.lang) };
}

export async function optIn(ctx: Ctx): Promise<ReplyMessage[]> {
  if (!ctx.member || !ctx.merchantId) return [linkHelp(ctx, ctx.copy.needLink(ctx.input.channel))];
  await setOptIn(ctx.db, ctx.merchantId, ctx.member.id, true, ctx.now, optInHow(ctx));
  return [msg(ctx.copy.optedIn(), menu(ctx.copy))];
}

export async function stop(ctx: Ctx): Promise<ReplyMessage[]> {
  if (!ctx.member || !ctx.merchantId) return [linkHelp(ctx, ctx.copy.needLink(ctx.input.channel))];
  const how = { channel: ctx.input.channel, language: ctx.lang, wording: wording("stopCommand", ctx.lang) };
  const changed = await setOptIn(ctx.db, ctx.merchantId, ctx.member.id, false, ctx.now, how);
  await forget(ctx);
  const opt = [[{ label: ctx.copy.buttons.start, data: "start" }]];
  return [msg(changed ? ctx.copy.optedOut() : ctx.copy.alreadyOptedOut(), opt)];
}

/** Telegram shared contact: only the sender's own contact (contact.user_id === from.id) links. */
export async function contact(ctx: Ctx, phone: string, contactUserId: string | undefined): Promise<ReplyMessage[]> {
  if (!contactUserId || contactUserId !== ctx.input.userId) return [linkHelp(ctx, ctx.copy.contactNotOwn())];
  const e164 = normalizePhone(
    phone.startsWith("+") ? phone : /^\d{10,15}$/.test(phone) && !phone.startsWith("0") ? `+${phone}` : phone,
  );
  if (!e164) return [linkHelp(ctx, ctx.copy.contactInvalid())];
  let member: { id: string; merchantId: string } | undefined;
  if (ctx.serving) {
    member = await findMemberByPhone(ctx.db, ctx.serving, e164);
  } else {
    // No single shop configured: the (Telegram-verified, own) phone decides, when exactly one shop knows it.
    const rows = await membersWithPhone(ctx.db, e164, 2);
    member = rows.length === 1 ? rows[0] : undefined;
  }
  if (!member) return [linkHelp(ctx, ctx.copy.contactNoMember())];
  return linked(ctx, member.merchantId, member.id);
}
