/**
 * The offers engine (src/offers) meets offer phrasing: its stored facts → `OfferFacts`, its `offerText` as the
 * template, and a chat `OffersPort` whose texts are model-phrased (validated) with the engine's text as fallback.
 * Nothing in src/offers changes; a runtime entry swaps the port in:
 *
 *   offers: llm ? phrasedChatOffers(llm) : { list: listOffersForChat, claim: claimOfferForChat }
 */
import type { OffersPort } from "../channels/channel.ts";
import type { Logger } from "../lib/log.ts";
import { firstName, toLang } from "../messages/render.ts";
import { claimOfferForChat, currentOfferRows } from "../offers/service.ts";
import { getOfferSettings } from "../offers/settings.ts";
import { offerText, type OfferFacts as EngineOfferFacts } from "../offers/text.ts";
import type { Llm } from "./llm.ts";
import type { OfferFacts } from "./offer-facts.ts";
import { phraseOffer, type PhraseOfferInput, type PhraseResult } from "./offers.ts";

/** The engine's facts as phrasing facts (what the model sees and the validator allows). */
export function fromEngineFacts(f: EngineOfferFacts): OfferFacts {
  const items = (f.items ?? []).map((i) => ({ name: i.name || i.sku, sku: i.sku }));
  const single = f.productName || f.sku;
  const expires = f.expiresAt ? new Date(f.expiresAt) : null;
  return {
    kind: f.kind,
    products: items.length > 0 ? items : single ? [{ name: single, ...(f.sku ? { sku: f.sku } : {}) }] : [],
    price: f.price ?? null,
    memberPrice: f.memberPrice ?? null,
    discountPercent: f.discountPercent ?? null,
    bonusPoints: f.bonusPoints ?? null,
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : null,
    basedOn: f.basedOn?.length ? f.basedOn : null,
    fromName: f.fromName ?? null,
    bundleName: f.bundleName ?? null,
    rewardName: f.rewardName ?? null,
    pointsNeeded: f.pointsNeeded ?? null,
    validHours: f.hours ?? null,
    firstName: f.firstName ?? null,
    tier: f.tier ?? null,
    currency: f.currency,
    timeZone: f.timeZone ?? "Asia/Ho_Chi_Minh",
  };
}

/** `phraseOffer` for an engine offer: the engine's own `offerText` is the template. */
export function phraseEngineOffer(
  llm: Llm | undefined,
  input: Omit<PhraseOfferInput, "facts" | "template"> & { facts: EngineOfferFacts },
): Promise<PhraseResult> {
  const engine = input.facts;
  return phraseOffer(llm, {
    ...input,
    facts: fromEngineFacts(engine),
    template: (_f, lang) => offerText(engine, lang),
  });
}

/** The chat core's offers port (declared in src/channels). */
export type ChatOffersPort = OffersPort;

/**
 * The chat core's OffersPort with model phrasing: the same offers, ids and claims as the engine's port
 * (`listOffersForChat` / `claimOfferForChat`); each text is phrased in parallel within the offer time budget,
 * cached per (facts, language, tier), and falls back to the engine's text.
 */
export function phrasedChatOffers(llm: Llm | undefined, opts: { logger?: Logger } = {}): ChatOffersPort {
  return {
    async list(db, merchantId, memberId, now) {
      const { member, rows } = await currentOfferRows(db, merchantId, memberId, now);
      const settings = await getOfferSettings(db, merchantId);
      const lang = toLang(member.language);
      const name = firstName(member.name) ?? null;
      return Promise.all(
        rows.map(async (o) => {
          // Like the engine's chat text: no expiry in the text (the bot shows it), the member's name and zone.
          const facts: EngineOfferFacts = { ...o.facts, firstName: name, timeZone: settings.timezone, expiresAt: null };
          const r = await phraseEngineOffer(llm, {
            db,
            merchantId,
            facts,
            lang,
            now,
            logger: opts.logger ?? llm?.logger,
          });
          return { id: o.id, text: r.text, expiresAt: o.expiresAt };
        }),
      );
    },
    claim: claimOfferForChat,
  };
}
