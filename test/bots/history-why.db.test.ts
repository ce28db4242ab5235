/** Chat /history says what each entry was for (issue 13 defect 4), in vi and en, through the web simulator. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberOrder, seedHistory } from "../offers/fixtures.ts";
import { addMember, type BotHarness, linkCode, type Shop, setupShop, startBotHarness } from "./harness.ts";

let h: BotHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startBotHarness({ env: { TELEGRAM_BOT_TOKEN: "", ZALO_BOT_TOKEN: "" } });
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});

async function say(clientId: string, text: string): Promise<string> {
  const r = await fetch(`${h.s.url}/simulator/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId, text }),
  });
  const body = (await r.json()) as { messages: { text: string }[] };
  return body.messages.map((m) => m.text).join("\n");
}

describe("history lines", () => {
  it("name the order, its amount and the multipliers the stored breakdown applied", async () => {
    await shop.api("PUT", "/v1/program", {
      currency: "VND",
      earn: { spend: 10000, points: 1 },
      categoryMultipliers: { "cà phê": 2 },
      tiers: [{ name: "Bạc", minSpend: 0, multiplier: 1 }],
    });
    const vi = await addMember(h.s, shop, "vi", "Lan");
    const en = await addMember(h.s, shop, "en", "Emily");
    h.s.clock.set(new Date(h.s.clock.now().getTime() + 60_000));
    for (const [m, id] of [
      [vi, "POS-0001"],
      [en, "POS-0002"],
    ] as const) {
      const r = await shop.api("POST", "/v1/orders", {
        externalId: id,
        memberId: m,
        placedAt: h.s.clock.now().toISOString(),
        items: [{ sku: "CF-02", name: "Cà phê sữa", category: "cà phê", quantity: 2, unitPrice: 85_000 }],
      });
      expect(r.body.pointsEarned).toBe(34);
    }
    const a = "hist-client-vi-000000001";
    await say(a, `/start ${await linkCode(shop, vi)}`);
    const textVi = await say(a, "/history");
    expect(textVi).toContain("+34 điểm · Đơn POS-0001 · 170.000 ₫ · x2 cà phê");

    const b = "hist-client-en-000000001";
    await say(b, `/start ${await linkCode(shop, en)}`);
    const textEn = await say(b, "/history");
    expect(textEn).toMatch(/\+34 pts · Order POS-0002 · (₫170,000|170,000 ₫|VND 170,000) · x2 cà phê/);

    // "Why N points?" by template: the named order, else the last one; another member's order is not found.
    const whyVi = await say(a, "tại sao đơn POS-0001 được 34 điểm?");
    expect(whyVi).toContain("Dạ, đơn POS-0001 (170.000 ₫) được 34 điểm:");
    expect(whyVi).toContain("• Điểm cơ bản: 17");
    expect(whyVi).toContain("• Hệ số: x2 cà phê → 34 điểm");
    expect(await say(a, "tại sao đơn POS-0002 được 34 điểm?")).toContain("không tìm thấy đơn POS-0002");
    const whyEn = await say(b, "why did I get 34 points?");
    expect(whyEn).toMatch(/^Order POS-0002 \(.*\) earned you 34 pts:/);
    expect(whyEn).toContain("• Multipliers: x2 cà phê → 34 pts");
  });
});

describe("my vouchers", () => {
  it("lists a claimed offer code next to redeemed rewards, in vi and en; a used code leaves the list", async () => {
    await seedHistory(shop.api);
    const m = await addMember(h.s, shop, "vi", "Mai");
    await memberOrder(shop.api, m, ["CF"]);
    const offers = (await shop.api("GET", `/v1/members/${m}/offers`)).body.offers as { id: string; sku: string }[];
    const o = offers.find((x) => x.sku === "BM")!;
    const claim = await shop.api("POST", `/v1/members/${m}/offers/${o.id}/claims`);
    expect(claim.status).toBe(201);
    const c = "vouch-client-vi-00000001";
    await say(c, `/start ${await linkCode(shop, m)}`);
    expect(await say(c, "/vouchers")).toContain(`• ${claim.body.code} — Ưu đãi: Bánh mì thịt`);
    await say(c, "/language");
    const r = await fetch(`${h.s.url}/simulator/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: c, button: "l:en" }),
    });
    expect(r.status).toBe(200);
    expect(await say(c, "/vouchers")).toContain(`• ${claim.body.code} — Offer: Bánh mì thịt`);
    await memberOrder(shop.api, m, ["BM"], { offerCodes: [claim.body.code] });
    expect(await say(c, "/vouchers")).not.toContain(claim.body.code);
  });
});

describe("perks", () => {
  it("/points and the member view show tier and plan perks and the subscription", async () => {
    const program = await shop.api("PUT", "/v1/program", {
      currency: "VND",
      earn: { spend: 10000, points: 1 },
      tiers: [{ name: "Bạc", minSpend: 0, multiplier: 1, perks: ["Miễn phí nâng size"] }],
      subscriptionPlans: [{ id: "club", name: "Cà phê Club", price: 99000, periodDays: 30, perks: ["1 ly mỗi tuần"] }],
    });
    expect(program.status).toBe(200);
    const m = await addMember(h.s, shop, "en", "Perk");
    expect((await shop.api("POST", `/v1/members/${m}/subscriptions`, { planId: "club" })).status).toBe(201);
    expect((await shop.api("GET", `/v1/members/${m}`)).body.perks).toEqual(["Miễn phí nâng size", "1 ly mỗi tuần"]);
    const c = "perks-client-en-00000001";
    await say(c, `/start ${await linkCode(shop, m)}`);
    const text = await say(c, "/points");
    expect(text).toContain("Membership plan: Cà phê Club (until");
    expect(text).toContain("Your perks: Miễn phí nâng size; 1 ly mỗi tuần.");
  });
});
