/** Offer texts: deterministic templates in vi and en with locale formatting. */
import { describe, expect, it } from "vitest";
import { offerText, type OfferFacts } from "../../src/offers/text.ts";

const crossSell: OfferFacts = {
  kind: "cross-sell",
  basis: "rule",
  currency: "VND",
  firstName: "Hoa",
  sku: "BM",
  productName: "Bánh mì thịt",
  price: 125000,
  memberPrice: 112500,
  discountPercent: 10,
  bonusPoints: 1200,
  basedOn: ["Cà phê sữa đá"],
  expiresAt: "2026-11-23T03:00:00.000Z",
  timeZone: "Asia/Ho_Chi_Minh",
};

describe("offerText", () => {
  it("cross-sell in vi and en: VND 125.000 ₫ vs 125,000 ₫, points grouped, expiry in the shop's time zone", () => {
    expect(offerText(crossSell, "vi")).toBe(
      "Hoa ơi, khách mua Cà phê sữa đá thường dùng thêm Bánh mì thịt: giá thành viên 112.500 ₫ (thay vì 125.000 ₫), tặng thêm 1.200 điểm. Hạn đến 10:00 23/11/2026.",
    );
    expect(offerText(crossSell, "en")).toBe(
      "Hoa, customers who buy Cà phê sữa đá often add Bánh mì thịt: member price 112,500 ₫ (instead of 125,000 ₫) plus 1,200 bonus points. Valid until 23 Nov 2026, 10:00.",
    );
  });

  it("is deterministic and defaults to vi; no name → no greeting, no expiry → none shown", () => {
    expect(offerText(crossSell, "vi")).toBe(offerText({ ...crossSell }, "vi"));
    expect(offerText(crossSell, "fr" as never)).toBe(offerText(crossSell, "vi"));
    const plain = offerText({ ...crossSell, firstName: null, expiresAt: null }, "en");
    expect(plain).toBe(
      "Customers who buy Cà phê sữa đá often add Bánh mì thịt: member price 112,500 ₫ (instead of 125,000 ₫) plus 1,200 bonus points.",
    );
    expect(
      offerText(
        { ...crossSell, firstName: undefined, expiresAt: undefined, basedOn: ["Cà phê sữa đá", "Bánh bao"] },
        "vi",
      ),
    ).toMatch(/^Khách mua Cà phê sữa đá và Bánh bao thường dùng thêm/);
  });

  it("every kind has a text in both languages", () => {
    const base = { currency: "VND", firstName: "Emily", expiresAt: null } as const;
    const cases: OfferFacts[] = [
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
      {
        ...base,
        kind: "nudge",
        basis: "reward",
        rewardName: "Cà phê sữa đá miễn phí",
        pointsNeeded: 1200,
        bonusPoints: 0,
      },
    ];
    const vi = cases.map((c) => offerText(c, "vi"));
    const en = cases.map((c) => offerText(c, "en"));
    expect(vi).toEqual([
      "Emily ơi, món bán chạy dành cho bạn — Trà đào: giá thành viên 35.100 ₫ (thay vì 39.000 ₫), tặng thêm 3 điểm.",
      "Emily ơi, lần tới nâng cấp Cà phê sữa lên Cà phê sữa (lớn): giá thành viên 35.100 ₫ (thay vì 39.000 ₫), tặng thêm 3 điểm.",
      "Emily ơi, Combo sáng (Cà phê + Bánh mì) −20%: giá thành viên 43.200 ₫ (thay vì 54.000 ₫).",
      "Emily ơi, combo Trà đào + CAKE −15%: giá thành viên 66.300 ₫ (thay vì 78.000 ₫).",
      "Emily ơi, ưu đãi riêng hạng Vàng: Đặc quyền Vàng (Cà phê muối): giá thành viên 29.750 ₫ (thay vì 35.000 ₫), tặng thêm 5 điểm.",
      "Emily ơi, cảm ơn bạn đã ghé! Quay lại trong 24 giờ để nhận thêm 10 điểm cho đơn tiếp theo.",
      "Emily ơi, bạn chỉ còn 1.200 điểm nữa là đổi được Cà phê sữa đá miễn phí!",
    ]);
    expect(en).toEqual([
      "Emily, a best seller for you — Trà đào: member price 35,100 ₫ (instead of 39,000 ₫) plus 3 bonus points.",
      "Emily, next time, upgrade Cà phê sữa to Cà phê sữa (lớn): member price 35,100 ₫ (instead of 39,000 ₫) plus 3 bonus points.",
      "Emily, Combo sáng (Cà phê + Bánh mì) −20%: member price 43,200 ₫ (instead of 54,000 ₫).",
      "Emily, combo Trà đào + CAKE −15%: member price 66,300 ₫ (instead of 78,000 ₫).",
      "Emily, Vàng members only: Đặc quyền Vàng (Cà phê muối): member price 29,750 ₫ (instead of 35,000 ₫) plus 5 bonus points.",
      "Emily, thanks for your visit! Come back within 24 hours for 10 bonus points on your next order.",
      "Emily, you're only 1,200 points from Cà phê sữa đá miễn phí!",
    ]);
  });

  it("other currencies keep their minor units", () => {
    const usd = offerText(
      {
        ...crossSell,
        currency: "USD",
        price: 1250,
        memberPrice: 1125,
        bonusPoints: 0,
        expiresAt: null,
        firstName: null,
      },
      "en",
    );
    expect(usd).toBe(
      "Customers who buy Cà phê sữa đá often add Bánh mì thịt: member price 11.25 $ (instead of 12.50 $).",
    );
    expect(
      offerText(
        {
          ...crossSell,
          currency: "USD",
          price: 1250,
          memberPrice: 1125,
          bonusPoints: 0,
          expiresAt: null,
          firstName: null,
        },
        "vi",
      ),
    ).toContain("11,25 $");
  });
});
