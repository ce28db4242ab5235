/**
 * The offer funnel end to end through the fake Telegram Bot API (issue 19): an offer shown in chat, claimed with its
 * button, bought with the code on a later order (a replayed order counts once, the bonus is credited once), and a
 * refund takes it out of the report again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { telegramCallbackUpdate, telegramTextUpdate } from "../fakes/telegram-server.ts";
import { engineChatOffers } from "../../src/runtime/runtime.ts";
import {
  type BotHarness,
  lastButtons,
  linkCode,
  newTelegramUser,
  type Shop,
  setupShop,
  startBotHarness,
  tgTexts,
} from "../bots/harness.ts";
import { line, memberOrder, seedHistory } from "./fixtures.ts";

let h: BotHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startBotHarness({ offers: engineChatOffers });
  shop = await setupShop(h.s);
});
afterAll(async () => {
  await h?.close();
});

const report = async () => (await shop.api("GET", "/v1/offers/report?days=30")).body;
const crossSell = (r: { kinds: { kind: string }[] }) => r.kinds.find((k) => k.kind === "cross-sell");

describe("offer funnel through Telegram", () => {
  it("shown in chat → claimed by button → bought with the code once → uncounted by a refund", async () => {
    await seedHistory(shop.api);
    await memberOrder(shop.api, shop.memberId, ["CF"]);
    const user = newTelegramUser();
    expect((await h.telegram(telegramTextUpdate(`/start ${await linkCode(shop)}`, user))).status).toBe(200);
    h.tg.reset();

    // Shown: /offers lists the engine's offers with a claim button each.
    expect((await h.telegram(telegramTextUpdate("/offers", user))).status).toBe(200);
    const offers = (await shop.api("GET", `/v1/members/${shop.memberId}/offers`)).body.offers as {
      id: string;
      sku?: string;
    }[];
    const bm = offers.find((o) => o.sku === "BM");
    expect(bm).toBeDefined();
    expect(tgTexts(h.tg, user.id).join("\n")).toContain("Bánh mì thịt");
    const button = lastButtons(h.tg, user.id).find((b) => b.data === `oc:${bm!.id}`);
    expect(button).toBeDefined();
    let r = await report();
    expect(r.total.offers).toBe(offers.length);
    expect(r.total).toMatchObject({ members: 1, claimed: 0, bought: 0 });

    // Claimed with the button: the chat shows the code.
    expect((await h.telegram(telegramCallbackUpdate(button!.data, user))).status).toBe(200);
    const code = /Mã: ([A-Z0-9]+)/.exec(tgTexts(h.tg, user.id).at(-1) ?? "")?.[1];
    expect(code).toBeTruthy();
    expect(crossSell(await report())).toMatchObject({ claimed: 1, bought: 0 });

    // Bought with the code; the same order delivered again is one order, one bonus, one sale.
    const order = {
      externalId: "POS-FUNNEL-1",
      memberId: shop.memberId,
      items: [line("BM"), line("WATER")],
      offerCodes: [code],
    };
    const first = await shop.api("POST", "/v1/orders", order);
    expect(first.status).toBe(201);
    const again = await shop.api("POST", "/v1/orders", order);
    expect(again.body).toEqual(first.body); // the stored response: no second earn, no second bonus
    r = await report();
    expect(crossSell(r)).toMatchObject({ claimed: 1, bought: 1, revenue: 25000 });
    expect(r.total.bonusPoints).toBeGreaterThan(0);
    const bonus = r.total.bonusPoints;

    // Refunded in full: nothing was sold after all.
    const refund = await shop.api("POST", "/v1/orders/POS-FUNNEL-1/refunds", { externalId: "POS-FUNNEL-1-R" });
    expect(refund.status).toBe(201);
    r = await report();
    expect(crossSell(r)).toMatchObject({ claimed: 1, bought: 0, revenue: 0 });
    expect(r.total.bonusPoints).toBe(bonus);
  });
});
