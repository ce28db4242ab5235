/**
 * The fixed examples of issue 16 (each once measured as a 5xx or a silent acceptance): a 400 with the field's path,
 * nothing written; webhooks acknowledge malformed updates; settings survive concurrency; no cross-merchant offers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotHarness, type Shop, setupShop, startBotHarness } from "../bots/harness.ts";
import { fingerprinter } from "./fuzz-gen.ts";
import { MAX_MONEY, MAX_POINTS } from "../../src/lib/validate.ts";

let h: BotHarness;
let shop: Shop;
let fingerprint: () => Promise<string>;

beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
  fingerprint = await fingerprinter(h.database.db);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** Sends through the shop's key, expects a 400 naming `field`, and proves nothing was written. */
async function rejects(method: string, path: string, body: unknown, field: string): Promise<void> {
  const before = await fingerprint();
  const r = await shop.api(method, path, body);
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  expect(await fingerprint()).toBe(before);
}

const order = (extra: Record<string, unknown> = {}) => ({
  externalId: `ORD-${Math.random().toString(36).slice(2)}`,
  memberId: shop.memberId,
  items: [{ sku: "CF-01", quantity: 1, unitPrice: 50_000 }],
  ...extra,
});

describe("text: NUL and lone surrogates", () => {
  it("in a body string → 400 with its path", async () => {
    await rejects("POST", "/v1/members", { phone: "0911000001", name: "Hoa\u0000" }, "name");
    await rejects("POST", "/v1/members", { phone: "0911000002", name: "Hoa\ud800" }, "name");
    await rejects("POST", "/v1/rewards", { name: "x", cost: 1, kind: "perk", description: "a\udc00" }, "description");
    await rejects(
      "POST",
      "/v1/orders",
      order({ items: [{ sku: "A\u0000", quantity: 1, unitPrice: 1 }] }),
      "items.0.sku",
    );
  });

  it("in a path id or a query → 400, never a database error", async () => {
    await rejects("GET", "/v1/members/mem%00x", undefined, "path.2");
    await rejects("GET", "/v1/members/%ED%A0%80", undefined, "path.2");
    await rejects("GET", `/v1/members/${"x".repeat(12_000)}`, undefined, "path.2");
    await rejects("GET", "/v1/members?phone=%00", undefined, "query.phone");
    await rejects("PATCH", `/v1/members/${shop.memberId}%00`, { name: "x" }, "path.2");
  });
});

describe("dates in range", () => {
  it("placedAt: year 0 and 9999-12-31 refused; birthday from 1900 to today", async () => {
    await rejects("POST", "/v1/orders", order({ placedAt: "0000-01-01T00:00:00Z" }), "placedAt");
    await rejects("POST", "/v1/orders", order({ placedAt: "9999-12-31T00:00:00Z" }), "placedAt");
    await rejects("POST", "/v1/orders", order({ placedAt: "1999-12-31T23:59:59Z" }), "placedAt");
    await rejects("PATCH", `/v1/members/${shop.memberId}`, { birthday: "0000-01-01" }, "birthday");
    await rejects("PATCH", `/v1/members/${shop.memberId}`, { birthday: "1899-12-31" }, "birthday");
    const ok = await shop.api("PATCH", `/v1/members/${shop.memberId}`, { birthday: "1990-05-17" });
    expect(ok.status).toBe(200);
  });

  it("campaign sendAt and bundle dates", async () => {
    const message = { vi: "Chào", en: "Hi" };
    await rejects(
      "POST",
      "/v1/campaigns",
      { name: "c", segmentId: "recent-7", message, sendAt: "0000-01-01T00:00:00Z" },
      "sendAt",
    );
    await rejects("POST", "/v1/bundles", { name: "b", skus: ["A", "B"], startsAt: "0000-01-01T00:00:00Z" }, "startsAt");
  });
});

describe("integers within their columns", () => {
  it("reward stock 2^31 (int4), value past the money limit, cost past 2^53 − 1 → 400", async () => {
    await rejects("POST", "/v1/rewards", { name: "x", cost: 1, kind: "perk", stock: 2 ** 31 }, "stock");
    await rejects("POST", "/v1/rewards", { name: "x", cost: 1, kind: "voucher", value: MAX_MONEY + 1 }, "value");
    await rejects("POST", "/v1/rewards", { name: "x", cost: MAX_POINTS + 1, kind: "perk" }, "cost");
    await rejects("PATCH", `/v1/rewards/${shop.rewards.cup}`, { stock: 2 ** 31 }, "stock");
  });

  it("quantity × unitPrice within the documented maxima but over the money limit → 400", async () => {
    await rejects(
      "POST",
      "/v1/orders",
      order({ items: [{ sku: "BIG", quantity: 1_000_000, unitPrice: 1_000_000_000_000 }] }),
      "items.0.unitPrice",
    );
  });

  it("a large order's cashback fits the (bigint) credit balance", async () => {
    const program = await shop.api("GET", "/v1/program");
    const put = await shop.api("PUT", "/v1/program", { ...program.body, cashback: { rate: 0.5 } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const big = await shop.api(
      "POST",
      "/v1/orders",
      order({ items: [{ sku: "TV", quantity: 10, unitPrice: 1_000_000_000_000 }] }),
    );
    expect(big.status, JSON.stringify(big.body)).toBe(201);
    expect(big.body.cashback).toBe(5_000_000_000_000);
    const m = await shop.api("GET", `/v1/members/${shop.memberId}`);
    expect(m.body.credit.balance).toBe(5_000_000_000_000);
    const spend = await shop.api("POST", `/v1/members/${shop.memberId}/credit-spends`, { amount: 4_000_000_000_000 });
    expect(spend.status, JSON.stringify(spend.body)).toBe(201);
    expect(spend.body.creditBalance).toBe(1_000_000_000_000);
  });

  it("an order that would take the points balance past 2^53 − 1 → 400, nothing written", async () => {
    const program = await shop.api("GET", "/v1/program");
    expect(
      (await shop.api("PUT", "/v1/program", { ...program.body, earn: { spend: 1, points: 1_000_000 } })).status,
    ).toBe(200);
    // 10^13 đ × 10^6 points per đ = 10^19 points: past what a balance holds (and past Postgres' bigint too).
    await rejects(
      "POST",
      "/v1/orders",
      order({ items: [{ sku: "TV", quantity: 10, unitPrice: 1_000_000_000_000 }] }),
      "items",
    );
    expect((await shop.api("PUT", "/v1/program", program.body)).status).toBe(200);
  });
});

describe("webhooks: malformed but authenticated updates are acknowledged and ignored", () => {
  it("Telegram: message true, text 123, chat null, NUL text → 200, nothing written", async () => {
    const base = {
      message_id: 1,
      date: 1_760_000_000,
      chat: { id: 77, type: "private" },
      from: { id: 77, first_name: "A" },
    };
    const bodies = [
      { update_id: 900_001, message: true },
      { update_id: 900_002, message: { ...base, text: 123 } },
      { update_id: 900_003, message: { ...base, chat: null, text: "/points" } },
      { update_id: 900_004, message: { ...base, text: "hi\u0000" } },
      { update_id: 900_005, callback_query: { id: "c", from: null, data: "x" } },
      { message: { ...base, text: "no update id" } },
    ];
    for (const body of bodies) {
      const before = await fingerprint();
      const res = await h.telegram(body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, ignored: true });
      expect(await fingerprint()).toBe(before);
    }
  });

  it("Zalo: a 12,000-character message_id or event_name → 200, nothing written", async () => {
    const message = {
      from: { id: "zu1" },
      chat: { id: "zu1", chat_type: "PRIVATE" },
      date: 1_760_000_000_000,
      text: "hi",
    };
    for (const result of [
      { event_name: "message.text.received", message: { ...message, message_id: "m".repeat(12_000) } },
      { event_name: "e".repeat(12_000), message: { ...message, message_id: "m1" } },
      { event_name: "message.text.received", message: { ...message, message_id: "m2", text: "\ud800" } },
    ]) {
      const before = await fingerprint();
      const res = await h.zaloHook({ ok: true, result });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, ignored: true });
      expect(await fingerprint()).toBe(before);
    }
  });
});

describe("settings under concurrency", () => {
  it("80 concurrent PUT /v1/products/{sku}/variants all succeed; the list is one of them, whole", async () => {
    const lists = Array.from({ length: 80 }, (_, i) => [`V-${i % 5}`, `V-${(i + 1) % 5}`, `W-${i % 3}`]);
    const results = await Promise.all(
      lists.map((variants) => shop.api("PUT", "/v1/products/CF-01/variants", { variants })),
    );
    expect(results.map((r) => r.status)).toEqual(lists.map(() => 200));
    const got = await shop.api("GET", "/v1/products/CF-01/variants");
    const skus = (got.body.variants as { sku: string }[]).map((v) => v.sku).sort();
    expect(lists.map((l) => [...l].sort().join())).toContain(skus.join());
  });
});

describe("cross-merchant references", () => {
  it("a campaign or journey naming another merchant's bundle → 404; its own → 201", async () => {
    const other = await h.s.merchant("Other shop");
    const foreign = await other.api("POST", "/v1/bundles", { name: "b", skus: ["A", "B"] });
    expect(foreign.status, JSON.stringify(foreign.body)).toBe(201);
    const own = await shop.api("POST", "/v1/bundles", { name: "b", skus: ["A", "B"] });
    const message = { vi: "Chào", en: "Hi" };
    const before = await fingerprint();
    const bad = await shop.api("POST", "/v1/campaigns", {
      name: "c",
      segmentId: "recent-7",
      message,
      offerId: foreign.body.id,
    });
    expect(bad.status).toBe(404);
    const badJourney = await shop.api("PUT", "/v1/journeys/reactivation", {
      enabled: true,
      steps: [{ segmentId: "recent-7", message, offerId: foreign.body.id }],
    });
    expect(badJourney.status).toBe(404);
    expect(await fingerprint()).toBe(before);
    const good = await shop.api("POST", "/v1/campaigns", {
      name: "c",
      segmentId: "recent-7",
      message,
      offerId: own.body.id,
    });
    expect(good.status, JSON.stringify(good.body)).toBe(201);
  });
});
