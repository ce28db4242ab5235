/** The offers engine's facts and texts through offer phrasing: adapter, validator agreement, the phrased chat port. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offerText, type OfferFacts as EngineOfferFacts } from "../../src/offers/text.ts";
import { listOffersForChat } from "../../src/offers/service.ts";
import { fromEngineFacts, phraseEngineOffer, phrasedChatOffers } from "../../src/llm/engine-offers.ts";
import { offerFactSet, offerNames } from "../../src/llm/offer-facts.ts";
import { validateText } from "../../src/llm/validate.ts";
import { createLlm } from "../../src/llm/llm.ts";
import { jsonResult, scriptedModel, startLlmShop, systemPrompt, type LlmShop } from "./helpers.ts";

const base = {
  currency: "VND",
  firstName: "Emily",
  expiresAt: "2026-11-23T03:00:00.000Z",
  timeZone: "Asia/Ho_Chi_Minh",
} as const;
const cases: EngineOfferFacts[] = [
  {
    ...base,
    kind: "cross-sell",
    basis: "rule",
    sku: "BM",
    productName: "Bánh mì thịt",
    price: 125000,
    memberPrice: 112500,
    discountPercent: 10,
    bonusPoints: 1200,
    basedOn: ["Cà phê sữa đá"],
  },
  {
    ...base,
    kind: "cross-sell",
    basis: "best-seller",
    sku: "TEA",
    productName: "Trà đào",
    price: 39000,
    memberPrice: 35100,
    discountPercent: 10,
    bonusPoints: 3,
  },
  {
    ...base,
    kind: "upsell",
    basis: "variant",
    sku: "CF-L",
    productName: "Cà phê sữa (lớn)",
    fromName: "Cà phê sữa",
    price: 39000,
    memberPrice: 35100,
    discountPercent: 10,
    bonusPoints: 3,
  },
  {
    ...base,
    kind: "bundle",
    basis: "merchant",
    bundleName: "Combo sáng",
    items: [
      { sku: "CF", name: "Cà phê" },
      { sku: "BM", name: "Bánh mì" },
    ],
    price: 54000,
    memberPrice: 43200,
    discountPercent: 20,
    bonusPoints: 0,
  },
  {
    ...base,
    kind: "bundle",
    basis: "suggested",
    items: [
      { sku: "TEA", name: "Trà đào" },
      { sku: "CAKE", name: null },
    ],
    price: 78000,
    memberPrice: 66300,
    discountPercent: 15,
    bonusPoints: 0,
  },
  {
    ...base,
    kind: "tier-exclusive",
    basis: "merchant",
    tier: "Vàng",
    sku: "MUOI",
    productName: "Cà phê muối",
    bundleName: "Đặc quyền Vàng",
    items: [{ sku: "MUOI", name: "Cà phê muối" }],
    price: 35000,
    memberPrice: 29750,
    discountPercent: 15,
    bonusPoints: 5,
  },
  { ...base, kind: "post-purchase", basis: "order", bonusPoints: 10, hours: 24 },
  { ...base, kind: "nudge", basis: "reward", rewardName: "Cà phê sữa đá miễn phí", pointsNeeded: 1200, bonusPoints: 0 },
];

describe("engine facts → phrasing facts", () => {
  for (const c of cases) {
    for (const lang of ["vi", "en"] as const) {
      it(`${c.kind}/${c.basis} ${lang}: the engine's own text passes the validator against the adapted facts`, () => {
        const f = fromEngineFacts(c);
        const text = offerText(c, lang);
        expect(
          validateText(text, {
            lang,
            facts: offerFactSet(f),
            maxChars: 400,
            allowedNames: [...offerNames(f), "Emily"],
          }),
          text,
        ).toEqual({ ok: true });
        // …and an invented discount does not.
        expect(
          validateText(`${text} ${lang === "vi" ? "Giảm thêm 45%." : "Extra 45% off."}`, {
            lang,
            facts: offerFactSet(f),
            maxChars: 400,
            allowedNames: [...offerNames(f), "Emily"],
          }).ok,
        ).toBe(false);
      });
    }
  }

  it("phraseEngineOffer falls back to the engine's offerText", async () => {
    const c = cases[0]!;
    expect(
      await phraseEngineOffer(undefined, {
        db: undefined as never,
        merchantId: "m",
        facts: c,
        lang: "en",
        now: new Date(),
      }),
    ).toEqual({ text: offerText(c, "en"), llmPath: "template", reason: "no-model" });
  });
});

describe("phrasedChatOffers", () => {
  let shop: LlmShop;
  beforeAll(async () => {
    shop = await startLlmShop();
  });
  afterAll(async () => {
    await shop?.close();
  });

  it("without a model: the engine's chat port, text for text", async () => {
    const now = shop.s.clock.now();
    const engine = await listOffersForChat(shop.db, shop.merchantId, shop.member.id, now);
    const phrased = await phrasedChatOffers(undefined).list(shop.db, shop.merchantId, shop.member.id, now);
    expect(phrased).toEqual(engine);
  });

  it("with a model: same offers and ids, validated model texts, engine text where the model invents", async () => {
    const now = shop.s.clock.now();
    const engine = await listOffersForChat(shop.db, shop.merchantId, shop.member.id, now);
    let n = 0;
    const model = scriptedModel((o) => {
      const facts = JSON.parse(/(\{[\s\S]*\})\s*\n\nQuy tắc/.exec(systemPrompt(o))![1]!) as {
        products: { name: string }[];
        reward?: string;
        offerPrice?: string;
      };
      const what = facts.products[0]?.name ?? facts.reward ?? "";
      // The first offer is phrased faithfully, the others invent a discount.
      const text =
        n++ === 0
          ? `{{firstName}} ơi, ghé quán thử ${what} nhé${facts.offerPrice ? `, chỉ ${facts.offerPrice}` : ""}!`
          : `${what} giảm 70% hôm nay!`;
      return jsonResult({ text, language: "vi" });
    });
    const phrased = await phrasedChatOffers(createLlm({} as never, { model })).list(
      shop.db,
      shop.merchantId,
      shop.member.id,
      now,
    );
    expect(phrased.map((o) => o.id)).toEqual(engine.map((o) => o.id));
    expect(phrased.map((o) => o.expiresAt)).toEqual(engine.map((o) => o.expiresAt));
    expect(engine.length).toBeGreaterThan(1);
    const byModel = phrased.filter((o, i) => o.text !== engine[i]!.text);
    expect(byModel).toHaveLength(1);
    expect(byModel[0]!.text).toMatch(/^Hoa ơi, ghé quán thử /);
    expect(phrased.some((o) => o.text.includes("70%"))).toBe(false);
  });
});
