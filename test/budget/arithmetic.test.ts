/** The budget's pure arithmetic: exact integer money, one rounding, ratios. */
import { describe, expect, it } from "vitest";
import {
  breakageRate,
  budgetLine,
  costEstimate,
  costPerMember,
  exceeded,
  liability,
  llmCost,
  pointsCost,
  ratio,
  roundDiv,
} from "../../src/budget/arithmetic.ts";

describe("budget arithmetic", () => {
  it("rounds once, halves away from zero, through bigint", () => {
    expect(roundDiv(5n, 2n)).toBe(3n);
    expect(roundDiv(4n, 3n)).toBe(1n);
    expect(roundDiv(-5n, 2n)).toBe(-3n);
    // 1 đ per 3 points: 10 points = 3.33 → 3; 11 → 3.67 → 4
    expect(pointsCost(10, { amount: 1, points: 3 })).toBe(3);
    expect(pointsCost(11, { amount: 1, points: 3 })).toBe(4);
    expect(pointsCost(-11, { amount: 1, points: 3 })).toBe(-4);
    // a product beyond 2^53 stays exact
    expect(pointsCost(90_071_992_547, { amount: 1_000_003, points: 1_000 })).toBe(90_072_262_762_978);
    expect(llmCost(1_500_000, 20_000)).toBe(30_000);
    expect(llmCost(1, 400_000)).toBe(0);
    expect(llmCost(2, 250_000)).toBe(1);
  });

  it("breakage is expired ÷ issued, capped at 1; liability nets it out", () => {
    expect(breakageRate(25, 100)).toEqual({ numerator: 25, denominator: 100, value: 0.25 });
    expect(breakageRate(150, 100).value).toBe(1);
    expect(breakageRate(5, 0).value).toBeNull();
    expect(liability(1000, { amount: 10, points: 1 }, 1, 3)).toEqual({
      points: 1000,
      value: 10_000,
      breakageRate: { numerator: 1, denominator: 3, value: 0.3333 },
      expectedBreakage: 3333,
      net: 6667,
    });
    expect(liability(-5, { amount: 10, points: 1 }, 0, 0)).toMatchObject({ points: 0, value: 0, expectedBreakage: 0 });
  });

  it("an estimate exceeds a budget only when it adds to it past the budget", () => {
    const e = costEstimate(200, 3, 300, { amount: 5, points: 1 });
    expect(e).toEqual({ bonusPoints: 200, pointsCost: 1000, messages: 3, messageCost: 900, cost: 1900 });
    expect(exceeded(e, budgetLine(1000, 800), budgetLine(1000, 100))).toEqual([]);
    expect(exceeded(e, budgetLine(1000, 801), budgetLine(1000, 101))).toEqual(["points", "spend"]);
    expect(exceeded(e, budgetLine(null, 10_000), budgetLine(null, 10_000))).toEqual([]);
    // already over, but this send adds nothing to that budget
    expect(
      exceeded(costEstimate(0, 3, 300, { amount: 1, points: 1 }), budgetLine(10, 50), budgetLine(null, 0)),
    ).toEqual([]);
    expect(budgetLine(100, 150)).toEqual({ budget: 100, used: 150, remaining: 0 });
    expect(costPerMember(1000, 3)).toBe(333);
    expect(costPerMember(1000, 0)).toBeNull();
    expect(ratio(-50, 200).value).toBe(-0.25);
  });
});
