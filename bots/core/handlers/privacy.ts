/**
 * Personal data in chat: the consent question after linking (marketing separate from the loyalty terms), the
 * answer buttons, /mydata (what is held) and /deleteme (erasure, after a confirm button).
 */
import { recordConsent } from "../../../src/members/consent.ts";
import { consentTexts, privacyChatCopy } from "../../../src/privacy/chat-copy.ts";
import type { ConsentMode } from "../../../src/program/config.ts";
import { getProgram } from "../../../src/program/service.ts";
import { eraseMember, exportMember } from "../../../src/privacy/member-data.ts";
import { type Ctx, msg, menu } from "../context.ts";
import { Btn } from "../intents.ts";
import type { ReplyMessage } from "../types.ts";
import type { MemberRow } from "../../../src/ledger/ledger.ts";

/** Sent after the link reply: the terms and the marketing question (per the consent mode), with Yes / No buttons. */
export function consentQuestion(ctx: Ctx, mode: ConsentMode): ReplyMessage {
  const p = privacyChatCopy(ctx.lang);
  return msg(consentTexts(p, mode).question, [
    [
      { label: p.yes, data: Btn.consentYes },
      { label: p.no, data: Btn.consentNo },
    ],
  ]);
}

/** The answer to the marketing question; recorded with the question's wording. */
export async function consent(ctx: Ctx, m: MemberRow, granted: boolean): Promise<ReplyMessage[]> {
  const texts = consentTexts(privacyChatCopy(ctx.lang), (await getProgram(ctx.db, m.merchantId)).consentMode);
  const how = { channel: ctx.input.channel, language: ctx.lang, wording: texts.question };
  await recordConsent(ctx.db, m.merchantId, m.id, { ...how, purpose: "marketing", granted }, ctx.now);
  if (granted) return [msg(texts.yesReply, menu(ctx.copy))];
  return [msg(ctx.copy.optedOut(), [[{ label: ctx.copy.buttons.start, data: Btn.optIn }]])];
}

export async function myData(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const d = await exportMember(ctx.db, m.merchantId, m.id, ctx.now);
  const text = privacyChatCopy(ctx.lang).myData({
    name: m.name !== null,
    phone: m.phone !== null,
    birthday: m.birthday !== null,
    chats: d.chats.length,
    orders: d.orders.length,
    ledger: d.ledger.length,
    consents: d.consents.length,
    memory: d.conversationMemory.length,
  });
  return [msg(text, menu(ctx.copy))];
}

export function eraseAsk(ctx: Ctx): ReplyMessage[] {
  const p = privacyChatCopy(ctx.lang);
  return [
    msg(p.deleteAsk, [
      [
        { label: p.deleteConfirm, data: Btn.eraseConfirm },
        { label: ctx.copy.buttons.cancel, data: Btn.cancel },
      ],
    ]),
  ];
}

/** Erases the member; this chat is unlinked with the rest, so this is the last reply as that member. */
export async function eraseConfirm(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  await eraseMember(ctx.db, m.merchantId, m.id, ctx.now, { channel: ctx.input.channel });
  return [msg(privacyChatCopy(ctx.lang).deleteDone)];
}
