/** What a handler gets for one message: who is writing, in which language, the database and the reply helpers. */
import type { Db } from "../../src/db/types.ts";
import type { MemberRow } from "../../src/ledger/ledger.ts";
import type { PointsFacts } from "../../src/members/service.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { Copy, Fmt } from "../../src/messages/copy.ts";
import type { Lang } from "../../src/messages/render.ts";
import type { MessageButton } from "../../src/channels/channel.ts";
import type { ChatInput, CoreDeps, ReplyMessage } from "./types.ts";
import { Btn } from "./intents.ts";
import type { TokenBuckets } from "./rate-limit.ts";

export interface Ctx {
  deps: CoreDeps;
  db: Db;
  now: Date;
  logger: Logger;
  input: ChatInput;
  /** The merchant the bot serves (DEFAULT_MERCHANT_ID / the only merchant); undefined when ambiguous. */
  serving: string | undefined;
  /** The merchant serving this chat (resolved, or the linked member's). */
  merchantId: string | undefined;
  member: MemberRow | undefined;
  /** A member's /points facts when they came with the context (the message asked for points). */
  pointsFacts: { memberId: string; facts: PointsFacts } | undefined;
  lang: Lang;
  copy: Copy;
  fmt: Fmt;
  /** Wrong link codes per chat user (brute-force guard). */
  linkFailures: TokenBuckets;
  /** Switches the language for the rest of this reply. */
  setLang(lang: Lang): void;
}

export function msg(text: string, buttons?: MessageButton[][]): ReplyMessage {
  return buttons && buttons.length > 0 ? { text, buttons } : { text };
}

/** The main menu, as buttons. */
export function menu(c: Copy): MessageButton[][] {
  return [
    [
      { label: c.buttons.points, data: Btn.points },
      { label: c.buttons.rewards, data: Btn.rewards },
    ],
    [
      { label: c.buttons.vouchers, data: Btn.vouchers },
      { label: c.buttons.offers, data: Btn.offers },
    ],
    [
      { label: c.buttons.history, data: Btn.history },
      { label: c.buttons.language, data: Btn.languageSet(c.lang === "vi" ? "en" : "vi") },
    ],
  ];
}

/** How to link, with the share-contact keyboard on Telegram. */
export function linkHelp(ctx: Ctx, text: string): ReplyMessage {
  const m: ReplyMessage = { text };
  if (ctx.input.channel === "telegram") m.requestContact = ctx.copy.buttons.shareContact;
  else m.buttons = [[{ label: ctx.copy.buttons.help, data: Btn.help }]];
  return m;
}
