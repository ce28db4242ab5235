/** Exact amounts and ids: decimal strings to minor units, lossless JSON, order discounts spread exactly. */
import { describe, expect, it } from "vitest";
import { parseDecimalString } from "../../src/lib/decimal.ts";
import { parseLossless } from "../../src/integrations/json.ts";
import { distribute, money, quantity, Unusable } from "../../src/integrations/mapping.ts";

describe("amounts", () => {
  it("parses decimal strings exactly into minor units", () => {
    expect(parseDecimalString("199000.00", 0)).toBe(199000n);
    expect(parseDecimalString("19.99", 2)).toBe(1999n);
    expect(parseDecimalString("0.1", 2)).toBe(10n);
    expect(parseDecimalString("199000.50", 0)).toBe(199001n);
    expect(parseDecimalString("199000.49", 0)).toBe(199000n);
    expect(parseDecimalString("90071992547409930.00", 0)).toBe(90071992547409930n);
    for (const bad of ["", "1e5", "12,5", "abc", "1.2.3"]) expect(parseDecimalString(bad, 0)).toBeUndefined();
  });

  it("keeps ids above 2^53 and amounts as their source text", () => {
    const v = parseLossless('{"id": 820982911946154508, "price": 19.90, "q": 2}') as Record<string, unknown>;
    expect(v).toEqual({ id: "820982911946154508", price: "19.90", q: "2" });
    expect(parseLossless("{not json")).toBeUndefined();
  });

  it("refuses what is not an amount or a whole quantity", () => {
    expect(money("150000.00", 0, "price")).toBe(150000);
    expect(() => money("150k", 0, "price")).toThrow(Unusable);
    expect(() => money("-1", 0, "price")).toThrow(Unusable);
    expect(() => money(undefined, 0, "price", false)).toThrow(Unusable);
    expect(quantity("2.0", "q")).toBe(2);
    expect(() => quantity("1.5", "q")).toThrow(Unusable);
    expect(() => quantity("0", "q")).toThrow(Unusable);
  });

  it("spreads an order discount over lines pro rata, adding up exactly", () => {
    expect(distribute(40000, [500000, 90000])).toEqual([33898, 6102]);
    expect(distribute(10, [100, 100, 100])).toEqual([4, 3, 3]);
    expect(distribute(10, [1, 1, 1])).toEqual([1, 1, 1]); // never more than the lines
    const shares = distribute(99999, [333, 777, 1, 50000]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(51111); // capped at the lines' total
  });
});
