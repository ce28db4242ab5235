/** The template path: every offer kind in both languages, locale formatting, and the validator's own checks. */
import { describe, expect, it } from "vitest";
import {
  OFFER_KINDS,
  offerFactSet,
  offerNames,
  offerTemplate,
  promptFacts,
  type OfferFacts,
} from "../../src/llm/offer-facts.ts";
import { validateText } from "../../src/llm/validate.ts";
import { detectLang } from "../../src/llm/language.ts";

const expiresAt = new Date("2026-11-20T10:00:00Z");
const base = (kind: OfferFacts["kind"]): OfferFacts => ({
  kind,
  products:
    kind === "bundle"
      ? [
          { name: "Cà phê sữa đá", price: 29000 },
          { name: "Bánh croissant", price: 35000 },
        ]
      : [{ name: "Bánh croissant", sku: "BK-01", price: 35000 }],
  price: kind === "bundle" ? 64000 : undefined,
  memberPrice: kind === "bundle" ? 51200 : 28000,
  discountPercent: 20,
  bonusPoints: kind === "post-purchase" || kind === "nudge" ? 1500 : undefined,
  expiresAt,
  firstName: "Hoa",
  tier: kind === "tier-exclusive" ? "Vàng" : "Bạc",
  currency: "VND",
  timeZone: "Asia/Ho_Chi_Minh",
});

describe("offer templates", () => {
  for (const kind of OFFER_KINDS) {
    for (const lang of ["vi", "en"] as const) {
      it(`${kind} / ${lang}`, () => {
        const facts = base(kind);
        const text = offerTemplate(facts, lang);
        if (lang === "vi") {
          expect(text).toContain("28.000 ₫".replace("28.000", kind === "bundle" ? "51.200" : "28.000"));
          expect(text).toContain("20/11/2026");
          expect(text).toContain("giảm 20%");
          expect(text).toMatch(/^Hoa ơi, /);
        } else {
          expect(text).toContain(kind === "bundle" ? "51,200 ₫" : "28,000 ₫");
          expect(text).toContain("20 Nov 2026");
          expect(text).toContain("20% off");
          expect(text).toMatch(/^Hi Hoa! /);
        }
        if (facts.bonusPoints) expect(text).toContain(lang === "vi" ? "1.500 điểm" : "1,500 bonus points");
        if (kind === "tier-exclusive") expect(text).toContain("Vàng");
        // The template is held to the same rules as the model.
        const verdict = validateText(text, {
          lang,
          facts: offerFactSet(facts),
          maxChars: 400,
          allowedNames: [...offerNames(facts), "Hoa"],
          catalogNames: ["Trà đào", "Bánh croissant", "Cà phê sữa đá"],
        });
        expect(verdict).toEqual({ ok: true });
        expect(detectLang(text.replace(/Cà phê sữa đá|Bánh croissant|Vàng|Bạc/g, ""))).toBe(lang);
      });
    }
  }

  it("works without a name, prices or an expiry; USD uses minor units", () => {
    expect(
      offerTemplate(
        { kind: "nudge", products: [{ name: "Latte" }], currency: "VND", timeZone: "Asia/Ho_Chi_Minh" },
        "vi",
      ),
    ).toBe("Dạ, lâu rồi chưa gặp bạn! Ghé quán thưởng thức Latte nhé: ưu đãi riêng cho bạn.");
    expect(
      offerTemplate(
        {
          kind: "cross-sell",
          products: [{ name: "Latte", price: 450 }],
          discountPercent: 12.5,
          currency: "USD",
          timeZone: "UTC",
        },
        "en",
      ),
    ).toBe("Why not add Latte? 12.5% off.");
    expect(
      offerTemplate(
        {
          kind: "upsell",
          products: [{ name: "Latte L", price: 450 }],
          memberPrice: 399,
          currency: "USD",
          timeZone: "UTC",
        },
        "en",
      ),
    ).toBe("Upgrade to Latte L: just 3.99 $ (was 4.50 $).");
    expect(
      offerTemplate(
        {
          kind: "upsell",
          products: [{ name: "Latte L", price: 450 }],
          memberPrice: 399,
          currency: "USD",
          timeZone: "UTC",
        },
        "vi",
      ),
    ).toBe("Dạ, nâng cấp lên Latte L nhé: chỉ 3,99 $ (giá gốc 4,50 $).");
  });

  it("gives the model formatted facts and a placeholder instead of the name", () => {
    const f = promptFacts(base("bundle"), "vi");
    expect(f).toMatchObject({
      kind: "bundle",
      customer: { firstName: "{{firstName}}", tier: "Bạc" },
      regularPrice: "64.000 ₫",
      offerPrice: "51.200 ₫",
      discount: "20%",
      validUntil: "20/11/2026",
    });
    expect(JSON.stringify(f)).not.toContain("Hoa");
    expect(promptFacts(base("nudge"), "en")).toMatchObject({ bonusPoints: "1,500", validUntil: "20 Nov 2026" });
  });
});

describe("validateText", () => {
  const facts = base("cross-sell");
  const opts = (lang: "vi" | "en") => ({
    lang,
    facts: offerFactSet(facts),
    maxChars: 200,
    allowedNames: offerNames(facts),
    catalogNames: ["Trà đào cam sả", "Bánh croissant", "Bánh mì"],
    placeholders: ["firstName"],
  });

  it("accepts a faithful text in both languages, any number format", () => {
    expect(
      validateText("{{firstName}} ơi, Bánh croissant chỉ còn 28k (giảm 20%) đến hết 20/11 nhé! 🥐", opts("vi")),
    ).toEqual({ ok: true });
    expect(
      validateText(
        "Hi {{firstName}}! Grab a Bánh croissant for just 28,000 ₫ — 20% off until 20 Nov 2026.",
        opts("en"),
      ),
    ).toEqual({ ok: true });
  });

  it("rejects invented numbers, other products, links, placeholders, length and language", () => {
    expect(validateText("Bánh croissant giảm 30% cho bạn!", opts("vi"))).toMatchObject({
      ok: false,
      reason: "unknown-figure",
    });
    expect(validateText("Bánh croissant giảm 20%, mua 2 tặng 1 nhé!", opts("vi"))).toMatchObject({
      ok: false,
      reason: "unknown-figure",
    });
    expect(validateText("Bánh croissant giảm 20%, ăn kèm Trà đào cam sả nhé!", opts("vi"))).toMatchObject({
      ok: false,
      reason: "unknown-product",
      detail: "tra dao cam sa",
    });
    expect(validateText("Bánh croissant giảm 20% tại https://evil.example", opts("vi"))).toMatchObject({
      ok: false,
      reason: "link",
    });
    expect(validateText("{{lastName}} ơi, Bánh croissant giảm 20% nhé", opts("vi"))).toMatchObject({
      ok: false,
      reason: "placeholder",
    });
    expect(validateText("x".repeat(201), opts("vi"))).toMatchObject({ ok: false, reason: "too-long" });
    expect(
      validateText("Hi {{firstName}}, the Bánh croissant is 20% off for you this week, enjoy!", opts("vi")),
    ).toMatchObject({ ok: false, reason: "language" });
    expect(validateText("Dạ, Bánh croissant đang giảm 20% cho bạn, ghé quán nhé!", opts("en"))).toMatchObject({
      ok: false,
      reason: "language",
    });
    expect(validateText("   ", opts("vi"))).toMatchObject({ ok: false, reason: "empty" });
  });

  it("digits inside allowed names are not figures; diacritics may be dropped", () => {
    const f: OfferFacts = {
      kind: "cross-sell",
      products: [{ name: "Voucher 50.000 ₫" }],
      discountPercent: 10,
      currency: "VND",
      timeZone: "Asia/Ho_Chi_Minh",
    };
    expect(
      validateText("Dạ, Voucher 50.000 ₫ đang giảm 10% cho bạn nhé", {
        lang: "vi",
        facts: offerFactSet(f),
        maxChars: 200,
        allowedNames: offerNames(f),
      }),
    ).toEqual({ ok: true });
    expect(validateText("Dạ, bạn thử Banh croissant nhé, giảm 20% đó", opts("vi"))).toEqual({ ok: true });
  });
});
