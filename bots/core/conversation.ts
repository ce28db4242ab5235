/**
 * The one conversation core for every channel: `handle(input)` → replies. Intents and handlers live here once;
 * adapters (Telegram, Zalo, web) only translate updates and replies.
 *
 * Order for a message: button → shared contact → slash command → free text. Free text is rate limited per user
 * (commands and buttons are not), then: a typed link code, a typed phone number (explained, never linked),
 * the questions with a template answer (bots/core/handlers/questions.ts), the LLM assistant when configured, else
 * the keyword matcher. Free text is answered in the language it is written in (bots/core/language.ts).
 */
import type { Db } from "../../src/db/types.ts";
import { merchantTimezone } from "../../src/merchants/service.ts";
import { pointsWindow, setMemberLanguage } from "../../src/members/service.ts";
import { getProgram } from "../../src/program/service.ts";
import { copyFor } from "../../src/messages/index.ts";
import type { Lang } from "../../src/messages/render.ts";
import { setChatLanguage } from "./state.ts";
import { loadChatContext, type ChatContext } from "./chat-context.ts";
import {
  looksLikePhone,
  matchKeywords,
  matchQuestion,
  parseButton,
  parseCommand,
  typedLinkCode,
  bareCode,
  typedReferralCode,
  type Intent,
} from "./intents.ts";
import { questionLang } from "./language.ts";
import { TokenBuckets } from "./rate-limit.ts";
import { linkHelp, menu, msg, type Ctx } from "./context.ts";
import type { ChatInput, Conversation, CoreDeps, ReplyMessage, UpdateClaim } from "./types.ts";
import * as link from "./handlers/link.ts";
import * as account from "./handlers/account.ts";
import * as rewards from "./handlers/rewards.ts";
import * as offers from "./handlers/offers.ts";
import * as questions from "./handlers/questions.ts";
import * as privacy from "./handlers/privacy.ts";
import * as referrals from "./handlers/referrals.ts";
import * as surveys from "./handlers/surveys.ts";

const MAX_TEXT = 4000;

export function createConversation(deps: CoreDeps): Conversation {
  const now = () => deps.clock.now().getTime();
  const limit = deps.freeTextLimit ?? { capacity: 10, windowMs: 60_000 };
  const freeText = new TokenBuckets({ capacity: limit.capacity, windowMs: limit.windowMs, now });
  const linkFailures = new TokenBuckets({ capacity: 5, windowMs: 15 * 60_000, now });
  const resolveDb = (): Db => (typeof deps.db === "function" ? deps.db() : deps.db);

  /** The merchant the last context resolved (picks the program whose window /points facts are read with). */
  let lastMerchant: string | undefined;

  /** What one message needs from the database, in one statement (with the update's claim when given). */
  async function load(
    input: ChatInput,
    claimKey: string | undefined,
    wantPoints: boolean,
    at: Date,
  ): Promise<ChatContext> {
    const db = resolveDb();
    const known = input.merchantId ?? (deps.config.DEFAULT_MERCHANT_ID || undefined);
    const pointsMerchant = wantPoints ? (known ?? lastMerchant) : undefined;
    const program = pointsMerchant ? await getProgram(db, pointsMerchant) : undefined;
    return loadChatContext(db, {
      channel: input.channel,
      userId: input.userId,
      merchantId: known,
      claimKey,
      now: at,
      points: pointsMerchant && program ? { merchantId: pointsMerchant, ...pointsWindow(program, at) } : undefined,
    });
  }

  async function buildCtx(
    input: ChatInput,
    loaded: Extract<ChatContext, { duplicate: false }>,
    at: Date,
  ): Promise<Ctx> {
    const db = resolveDb();
    const { serving, member } = loaded;
    const merchantId = serving ?? loaded.identityMerchantId;
    if (merchantId) lastMerchant = merchantId;
    const lang: Lang = member
      ? member.language === "en"
        ? "en"
        : "vi"
      : (loaded.chatLanguage ?? input.locale ?? "vi");
    let currency = "VND";
    let timeZone = "Asia/Ho_Chi_Minh";
    if (merchantId) {
      timeZone = (await merchantTimezone(db, merchantId)) ?? timeZone;
      currency = (await getProgram(db, merchantId)).currency;
    }
    const ctx: Ctx = {
      deps,
      db,
      now: at,
      logger: deps.logger.child({ channel: input.channel }),
      input,
      serving,
      merchantId,
      member,
      pointsFacts: member && loaded.points ? { memberId: member.id, facts: loaded.points } : undefined,
      lang,
      copy: copyFor(lang),
      fmt: { lang, currency, timeZone },
      linkFailures,
      setLang(l: Lang) {
        ctx.lang = l;
        ctx.copy = copyFor(l);
        ctx.fmt = { ...ctx.fmt, lang: l };
      },
    };
    return ctx;
  }

  async function language(ctx: Ctx, lang: Lang | undefined): Promise<ReplyMessage[]> {
    if (!lang) {
      return [
        msg(ctx.copy.languageAsk(), [
          [
            { label: ctx.copy.buttons.vi, data: "l:vi" },
            { label: ctx.copy.buttons.en, data: "l:en" },
          ],
        ]),
      ];
    }
    await setChatLanguage(ctx.db, ctx.input.channel, ctx.input.userId, lang, ctx.now);
    if (ctx.member) await setMemberLanguage(ctx.db, ctx.member.merchantId, ctx.member.id, lang);
    ctx.setLang(lang);
    return [msg(ctx.copy.languageSet(), ctx.member ? menu(ctx.copy) : undefined)];
  }

  /** Intents that need a linked member; the unlinked get the how-to-link explanation. */
  async function dispatch(ctx: Ctx, intent: Intent): Promise<ReplyMessage[]> {
    switch (intent.kind) {
      case "start":
        return link.start(ctx, intent.code);
      case "link":
        return link.linkWithCode(ctx, intent.code);
      case "language":
        return language(ctx, intent.lang);
      case "help":
        return [msg(ctx.copy.help(ctx.input.channel), ctx.member ? menu(ctx.copy) : undefined)];
      case "howToLink":
        return [linkHelp(ctx, ctx.member ? ctx.copy.alreadyLinked(undefined) : ctx.copy.needLink(ctx.input.channel))];
      case "greeting":
        return ctx.member
          ? [msg(ctx.copy.welcomeBack(undefined), menu(ctx.copy))]
          : [linkHelp(ctx, ctx.copy.welcomeUnlinked(ctx.input.channel))];
      case "thanks":
        return [msg(ctx.copy.thanks())];
      case "cancel":
        return [msg(ctx.copy.cancelled(), ctx.member ? menu(ctx.copy) : undefined)];
      case "stop":
        return link.stop(ctx);
      case "optIn":
        return link.optIn(ctx);
      case "referral":
        return referrals.friend(ctx, intent.code);
      case "unknown":
        return [
          ctx.member ? msg(ctx.copy.unknown(), menu(ctx.copy)) : linkHelp(ctx, ctx.copy.needLink(ctx.input.channel)),
        ];
    }
    const m = ctx.member;
    if (!m) return [linkHelp(ctx, ctx.copy.needLink(ctx.input.channel))];
    switch (intent.kind) {
      case "points":
        return account.points(ctx, m);
      case "history":
        return account.history(ctx, m);
      case "whyPoints":
        return account.whyPoints(ctx, m, intent.externalId);
      case "vouchers":
        return account.vouchers(ctx, m);
      case "rewards":
        return rewards.catalog(ctx, m, intent.from);
      case "redeemAsk":
        return rewards.ask(ctx, m, intent.rewardId);
      case "redeemConfirm":
        return rewards.confirm(ctx, m, intent.rewardId, intent.nonce);
      case "offers":
        return offers.list(ctx, m);
      case "offerClaim":
        return offers.claim(ctx, m, intent.offerId);
      case "affordable":
        return questions.affordable(ctx, m);
      case "expiry":
        return questions.expiry(ctx, m);
      case "tierProgress":
        return questions.tierProgress(ctx, m, intent.text);
      case "consent":
        return privacy.consent(ctx, m, intent.granted);
      case "myData":
        return privacy.myData(ctx, m);
      case "eraseAsk":
        return privacy.eraseAsk(ctx);
      case "eraseConfirm":
        return privacy.eraseConfirm(ctx, m);
      case "invite":
        return referrals.invite(ctx, m);
      case "surveyAnswer":
        return surveys.answerButton(ctx, m, intent);
    }
  }

  async function freeTextReply(ctx: Ctx, text: string): Promise<ReplyMessage[]> {
    // A member answering a survey: typed text answers its current question (a short text, a typed NPS score).
    if (ctx.member) {
      const answered = await surveys.answerText(ctx, ctx.member, text);
      if (answered) return answered;
    }
    const limited = freeText.take(`${ctx.input.channel}:${ctx.input.userId}`);
    if (limited === "limited-warn") return [msg(ctx.copy.slowDown())];
    if (limited === "limited-silent") return [];
    // A referral code typed alone (the code part of a ref_ link) is a referral, like the deep link; any other
    // code-shaped text is a link code.
    const bare = bareCode(text);
    if (bare) {
      const owner = await referrals.referralOwner(ctx, bare);
      if (owner) return referrals.friend(ctx, bare, owner);
    }
    const code = typedLinkCode(text);
    if (code) return link.linkWithCode(ctx, code);
    const referral = typedReferralCode(text);
    if (referral) return referrals.friend(ctx, referral);
    if (!ctx.member && looksLikePhone(text)) return [linkHelp(ctx, ctx.copy.phoneTyped(ctx.input.channel))];
    // Template and keyword answers are in the language the message is written in (this reply only; /language
    // changes the stored one). The assistant keeps the member's language: its reply validator holds it to that.
    const asked = questionLang(text);
    const inAskedLanguage = () => {
      if (asked && asked !== ctx.lang) ctx.setLang(asked);
    };
    // Questions with a template answer never reach the model: their figures come straight from the database.
    const question = matchQuestion(text);
    if (question) {
      inAskedLanguage();
      return dispatch(ctx, question);
    }
    // "giới thiệu bạn" / "invite a friend" has a template answer too (the member's own code, never the model's).
    const keyword = matchKeywords(text);
    if (keyword.kind === "invite") {
      inAskedLanguage();
      return dispatch(ctx, keyword);
    }
    if (deps.assistant) {
      try {
        const answer = await deps.assistant({
          db: ctx.db,
          merchantId: ctx.merchantId,
          member: ctx.member,
          channel: ctx.input.channel,
          userId: ctx.input.userId,
          text,
          lang: ctx.lang,
          now: ctx.now,
          logger: ctx.logger,
        });
        if (answer && answer.length > 0) return answer;
      } catch (err) {
        ctx.logger.warn("assistant failed; using intents", { error: err instanceof Error ? err.message : String(err) });
      }
    }
    inAskedLanguage();
    return dispatch(ctx, matchKeywords(text));
  }

  const failed = (input: ChatInput, ctx: Ctx | undefined, err: unknown): { replies: ReplyMessage[]; lang: Lang } => {
    deps.logger.error("conversation failed", {
      channel: input.channel,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    const lang = ctx?.lang ?? input.locale ?? "vi";
    return { replies: [msg(copyFor(lang).error())], lang };
  };

  async function replies(ctx: Ctx, input: ChatInput, text: string, early: Intent | undefined): Promise<ReplyMessage[]> {
    if (input.button !== undefined) return dispatch(ctx, early!);
    if (input.contact) return link.contact(ctx, input.contact.phone, input.contact.userId);
    if (text === "") return [];
    if (early) return dispatch(ctx, early);
    return freeTextReply(ctx, text);
  }

  async function respond(
    input: ChatInput,
    claim?: UpdateClaim,
  ): Promise<{ replies: ReplyMessage[]; lang: Lang } | undefined> {
    const text = (input.text ?? "").slice(0, MAX_TEXT).trim();
    // Buttons and commands are known before the context is read, so /points facts can come with it.
    const early: Intent | undefined =
      input.button !== undefined ? parseButton(input.button) : input.contact ? undefined : parseCommand(text);
    const at = deps.clock.now();
    let loaded: ChatContext;
    try {
      loaded = await load(input, claim?.key, early?.kind === "points", at);
    } catch (err) {
      // The claim was not recorded: let the caller fail the webhook so the platform re-sends.
      if (claim) throw err;
      return failed(input, undefined, err);
    }
    claim?.onClaimed?.(!loaded.duplicate);
    if (loaded.duplicate) return undefined;
    // From here the update is claimed: failures are answered with the apology, never re-thrown.
    let ctx: Ctx | undefined;
    try {
      ctx = await buildCtx(input, loaded, at);
      const out = await replies(ctx, input, text, early);
      return { replies: out, lang: ctx.lang };
    } catch (err) {
      return failed(input, ctx, err);
    }
  }

  return {
    async handle(input: ChatInput): Promise<ReplyMessage[]> {
      return (await respond(input))?.replies ?? [];
    },
    respond,
  };
}
