/** Personalised offers through the OffersPort (none until the offers engine is wired in). At most 3 at once. */
import type { MemberRow } from "../../../src/ledger/ledger.ts";
import { DomainError } from "../../../src/lib/errors.ts";
import type { MessageButton } from "../../../src/channels/channel.ts";
import { Btn, isValidButtonData } from "../intents.ts";
import { msg, type Ctx } from "../context.ts";
import type { ReplyMessage } from "../types.ts";

export const MAX_OFFERS_SHOWN = 3;

export async function list(ctx: Ctx, m: MemberRow): Promise<ReplyMessage[]> {
  const port = ctx.deps.offers;
  const none = [
    msg(ctx.copy.offersNone(), [
      [
        { label: ctx.copy.buttons.rewards, data: Btn.rewards },
        { label: ctx.copy.buttons.points, data: Btn.points },
      ],
    ]),
  ];
  if (!port) return none;
  const offers = (await port.list(ctx.db, m.merchantId, m.id, ctx.now)).slice(0, MAX_OFFERS_SHOWN);
  if (offers.length === 0) return none;
  const buttons: MessageButton[][] = [];
  offers.forEach((o, i) => {
    const data = Btn.offerClaim(o.id);
    if (isValidButtonData(data)) buttons.push([{ label: ctx.copy.buttons.claim(i + 1), data }]);
    else ctx.logger.warn("offer id too long for a button", { offerId: o.id });
  });
  return [
    msg(
      ctx.copy.offers(
        ctx.fmt,
        offers.map((o) => ({ text: o.text, expiresAt: o.expiresAt })),
      ),
      buttons,
    ),
  ];
}

export async function claim(ctx: Ctx, m: MemberRow, offerId: string): Promise<ReplyMessage[]> {
  const port = ctx.deps.offers;
  const back = [[{ label: ctx.copy.buttons.offers, data: Btn.offers }]];
  if (!port) return [msg(ctx.copy.offerGone(), back)];
  try {
    const claimed = await port.claim(ctx.db, m.merchantId, m.id, offerId, ctx.now);
    return [msg(ctx.copy.offerClaimed(ctx.fmt, claimed), [[{ label: ctx.copy.buttons.vouchers, data: Btn.vouchers }]])];
  } catch (err) {
    if (err instanceof DomainError && err.kind !== "internal") return [msg(ctx.copy.offerGone(), back)];
    throw err;
  }
}
