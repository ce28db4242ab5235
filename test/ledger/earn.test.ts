import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { computeEarn, inBirthdayWindow, reversalFor, type EarnLine } from "../../src/ledger/earn.ts";
import { ProgramSchema } from "../../src/program/config.ts";
import { effectiveTier, evaluateTier, qualifyingTier, nextTierProgress } from "../../src/program/tiers.ts";
import { toScaled, hasAtMost4Decimals } from "../../src/lib/decimal.ts";

const at = new Date("2026-11-20T10:00:00Z");
const line = (amount: number, category?: string, sku = "A"): EarnLine => ({
  sku,
  category,
  quantity: 1,
  unitPrice: amount,
  discount: 0,
});

describe("earn formula", () => {
  it("defaults: 1 point per 10,000, floored", () => {
    const p = ProgramSchema.parse({});
    expect(computeEarn([line(125000)], { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" }).earn).toBe(12);
    expect(computeEarn([line(9999)], { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" }).earn).toBe(0);
  });

  it("the spec example: 2 × 35,000 coffee at ×2 in Gold ×1.5 = floor(70000×2×1.5/10000) = 21", () => {
    const p = ProgramSchema.parse({
      tiers: [
        { name: "Silver", minSpend: 0, multiplier: 1 },
        { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      ],
      categoryMultipliers: { coffee: 2 },
    });
    const r = computeEarn([{ sku: "CF-01", category: "coffee", quantity: 2, unitPrice: 35000, discount: 0 }], {
      program: p,
      tier: p.tiers[1],
      placedAt: at,
      channel: "pos",
    });
    expect(r.earn).toBe(21);
    expect(r.base).toBe(7);
  });

  it("sums lines before flooring (3 × 0.1-point lines still make a point with exact decimals)", () => {
    const p = ProgramSchema.parse({ earn: { spend: 10, points: 1 }, categoryMultipliers: { x: 0.1 } });
    // each line: 10 × 0.1 / 10 = 0.1 point; three lines must give 0.3 → floor 0, and ten lines exactly 1.
    const ten = Array.from({ length: 10 }, () => line(10, "x"));
    expect(computeEarn(ten, { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" }).earn).toBe(1);
    const p2 = ProgramSchema.parse({
      earn: { spend: 1, points: 1 },
      tiers: [{ name: "T", minSpend: 0, multiplier: 1.1 }],
    });
    // 3 × 0.1 exactly: amount 3 × multiplier 1.1 = 3.3 → 3; float 3*1.1 = 3.3000000000000003 is harmless but 0.1*3 isn't.
    expect(
      computeEarn([line(1), line(1), line(1)], { program: p2, tier: p2.tiers[0], placedAt: at, channel: "pos" }).earn,
    ).toBe(3);
  });

  it("1.15 means 115/100 exactly (no float drift)", () => {
    const p = ProgramSchema.parse({
      earn: { spend: 100, points: 1 },
      tiers: [{ name: "T", minSpend: 0, multiplier: 1.15 }],
    });
    // 100 × 1.15 / 100 = 1.15 → 1; 2000 × 1.15 / 100 = 23 exactly (float: 22.999999999999996)
    expect(computeEarn([line(2000)], { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" }).earn).toBe(23);
    expect(toScaled(1.15)).toBe(11500n);
  });

  it("product multipliers override category multipliers; discounts reduce the amount", () => {
    const p = ProgramSchema.parse({ categoryMultipliers: { coffee: 2 }, productMultipliers: { "CF-SPECIAL": 3 } });
    const r = computeEarn(
      [
        { sku: "CF-SPECIAL", category: "coffee", quantity: 1, unitPrice: 100000, discount: 0 },
        { sku: "CF-01", category: "coffee", quantity: 1, unitPrice: 100000, discount: 50000 },
      ],
      { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" },
    );
    expect(r.earn).toBe(30 + 10);
    expect(r.lines.map((l) => l.source)).toEqual(["product", "category"]);
  });

  it("bonus events: the best applicable multiplier per line, as a separate bonus; birthday week", () => {
    const p = ProgramSchema.parse({
      promotions: [
        {
          name: "Double coffee",
          multiplier: 2,
          startsAt: "2026-11-01T00:00:00Z",
          endsAt: "2026-12-01T00:00:00Z",
          categories: ["coffee"],
        },
        { name: "Old", multiplier: 5, startsAt: "2025-01-01T00:00:00Z", endsAt: "2025-02-01T00:00:00Z" },
      ],
      birthdayBonus: { multiplier: 3, windowDays: 7 },
    });
    const lines = [line(100000, "coffee"), line(100000, "food")];
    const r = computeEarn(lines, { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" });
    expect(r.earn).toBe(20);
    expect(r.bonus).toBe(10);
    expect(r.events).toEqual([{ name: "Double coffee", multiplier: 2 }]);
    const b = computeEarn(lines, {
      program: p,
      tier: p.tiers[0],
      placedAt: at,
      channel: "pos",
      birthday: "1990-11-22",
    });
    expect(b.bonus).toBe(40); // birthday ×3 beats ×2 on coffee, applies to food too
    expect(inBirthdayWindow("1990-11-22", at, 7)).toBe(true);
    expect(inBirthdayWindow("1990-12-22", at, 7)).toBe(false);
    expect(inBirthdayWindow("1990-01-01", new Date("2026-12-30T00:00:00Z"), 7)).toBe(true);
  });

  it("subscription multiplier applies like the tier's", () => {
    const p = ProgramSchema.parse({ tiers: [{ name: "G", minSpend: 0, multiplier: 1.5 }] });
    const r = computeEarn([line(100000)], {
      program: p,
      tier: p.tiers[0],
      placedAt: at,
      channel: "pos",
      subscription: { plan: "vip", multiplier: 1.2 },
    });
    expect(r.earn).toBe(18);
  });

  it("cashback at a lower rate for discounted lines", () => {
    const p = ProgramSchema.parse({ cashback: { rate: 0.02, discountedRate: 0.005 } });
    const r = computeEarn(
      [
        { sku: "A", quantity: 1, unitPrice: 100000, discount: 0 },
        { sku: "B", quantity: 1, unitPrice: 100000, discount: 20000 },
      ],
      { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" },
    );
    expect(r.cashback).toBe(2000 + 400);
  });

  it("property: integer result equals the exact rational floor computed independently", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            q: fc.integer({ min: 1, max: 20 }),
            p: fc.integer({ min: 0, max: 2_000_000 }),
            m: fc.integer({ min: 1, max: 40000 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 10000, max: 30000 }),
        fc.integer({ min: 1, max: 100000 }),
        fc.integer({ min: 1, max: 5 }),
        (lines, tierM, spend, pts) => {
          const cats = Object.fromEntries(lines.map((l, i) => [`c${i}`, l.m / 10000]));
          const p = ProgramSchema.parse({
            earn: { spend, points: pts },
            tiers: [{ name: "T", minSpend: 0, multiplier: tierM / 10000 }],
            categoryMultipliers: cats,
          });
          const r = computeEarn(
            lines.map((l, i) => ({ sku: `s${i}`, category: `c${i}`, quantity: l.q, unitPrice: l.p, discount: 0 })),
            { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" },
          );
          let num = 0n;
          lines.forEach((l) => (num += BigInt(l.q * l.p) * BigInt(l.m)));
          const expected = (num * BigInt(tierM) * BigInt(pts)) / (BigInt(spend) * 100_000_000n);
          expect(r.earn).toBe(Number(expected));
          expect(Number.isInteger(r.earn)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("multiplier 1.1 on many lines never drifts", () => {
    const p = ProgramSchema.parse({
      earn: { spend: 1, points: 1 },
      tiers: [{ name: "T", minSpend: 0, multiplier: 1.1 }],
    });
    const lines = Array.from({ length: 1000 }, () => line(1));
    expect(computeEarn(lines, { program: p, tier: p.tiers[0], placedAt: at, channel: "pos" }).earn).toBe(1100);
  });

  it("accepts at most 4 decimal places", () => {
    expect(hasAtMost4Decimals(1.1234)).toBe(true);
    expect(hasAtMost4Decimals(1.12345)).toBe(false);
    expect(ProgramSchema.safeParse({ categoryMultipliers: { a: 1.00001 } }).success).toBe(false);
  });
});

describe("refund reversal", () => {
  it("is pro rata, floored toward the member, and partial refunds add up to the whole", () => {
    expect(reversalFor(10, 100000, 0, 33333)).toBe(3);
    expect(reversalFor(10, 100000, 33333, 66666)).toBe(3);
    expect(reversalFor(10, 100000, 66666, 100000)).toBe(4);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }),
        (earned, total, parts) => {
          const sum = parts.reduce((a, b) => a + b, 0);
          let cum = 0;
          let reversed = 0;
          parts.forEach((pt, i) => {
            const next = i === parts.length - 1 ? total : Math.floor((total * (cum + pt)) / sum);
            const before = Math.floor((total * cum) / sum);
            const r = reversalFor(earned, total, i === 0 ? 0 : before, next);
            expect(r).toBeGreaterThanOrEqual(0);
            reversed += r;
            cum += pt;
          });
          expect(reversed).toBe(earned);
        },
      ),
    );
  });
});

describe("tiers", () => {
  const p = ProgramSchema.parse({
    tiers: [
      { name: "Silver", minSpend: 0, multiplier: 1 },
      { name: "Gold", minSpend: 5000000, multiplier: 1.5 },
      { name: "Diamond", minSpend: 20000000, multiplier: 2 },
    ],
    tierRetentionDays: 365,
  });
  it("qualifies by spend, upgrades at once, never downgrades outside evaluation", () => {
    expect(qualifyingTier(p, 4999999)?.name).toBe("Silver");
    expect(qualifyingTier(p, 5000000)?.name).toBe("Gold");
    expect(effectiveTier(p, "Gold", 0)?.name).toBe("Gold");
    expect(effectiveTier(p, "Silver", 25000000)?.name).toBe("Diamond");
    expect(nextTierProgress(p, "Silver", 1200000)).toMatchObject({ next: { name: "Gold" }, spendNeeded: 3800000 });
    expect(nextTierProgress(p, "Diamond", 0)).toBeUndefined();
  });
  it("evaluation downgrades only after the tier was held for the retention period", () => {
    const now = new Date("2026-11-20T00:00:00Z");
    expect(evaluateTier(p, "Gold", new Date("2026-06-01T00:00:00Z"), 0, now)).toMatchObject({
      tier: { name: "Gold" },
      changed: false,
    });
    expect(evaluateTier(p, "Gold", new Date("2025-11-01T00:00:00Z"), 0, now)).toMatchObject({
      tier: { name: "Silver" },
      changed: true,
    });
    expect(evaluateTier(p, "Gold", new Date("2025-11-01T00:00:00Z"), 6000000, now)).toMatchObject({ changed: false });
    expect(evaluateTier(p, "Silver", null, 6000000, now)).toMatchObject({ tier: { name: "Gold" }, changed: true });
  });
});
