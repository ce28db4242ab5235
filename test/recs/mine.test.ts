import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareRules, mineBaskets, minCountFor, mineTransactions, type Rule } from "../../src/recs/mine.ts";
import { rulesToCsv } from "../../src/recs/rules-csv.ts";
import { transactionsFromBaskets } from "../../src/recs/transactions.ts";
import { referenceMine, ruleKey } from "./reference.ts";

/** The classic 5-basket example. Item counts: bread 4, milk 4, diapers 4, beer 3, cola 2, eggs 1. */
const SHOP = [
  ["bread", "milk"],
  ["bread", "diapers", "beer", "eggs"],
  ["milk", "diapers", "beer", "cola"],
  ["bread", "milk", "diapers", "beer"],
  ["bread", "milk", "diapers", "cola"],
];

/** Expected rule from hand-counted numbers: [lhs, rhs, count(X), count(lhs), count(rhs)] over N. */
type Hand = [string[], string, number, number, number];
function expected(hand: Hand[], n: number): Rule[] {
  return hand.map(([lhs, rhs, c, l, r]) => ({
    lhs,
    rhs,
    count: c,
    support: c / n,
    confidence: c / l,
    lift: c / l / (r / n),
  }));
}

function expectRules(actual: Rule[], want: Rule[]): void {
  expect(actual.map((r) => [r.lhs.join("|"), r.rhs, r.count])).toEqual(
    want.map((r) => [r.lhs.join("|"), r.rhs, r.count]),
  );
  actual.forEach((r, i) => {
    const w = want[i]!;
    expect(r.support).toBeCloseTo(w.support, 12);
    expect(r.confidence).toBeCloseTo(w.confidence, 12);
    expect(r.lift).toBeCloseTo(w.lift, 12);
  });
}

describe("mineBaskets: hand-computed cases", () => {
  it("pairs (K=2): counts, ratios and order (lift desc, then lhs, then rhs)", () => {
    const { rules, stats } = mineBaskets(SHOP, { minSupport: 0.4, minConfidence: 0.6, maxLen: 2 });
    expect(stats.transactions).toBe(5);
    expect(stats.minCount).toBe(2);
    // Lift 1.25 = 1 / (4/5) etc. Ties broken by lhs then rhs.
    expectRules(
      rules,
      expected(
        [
          [["beer"], "diapers", 3, 3, 4], // conf 1, lift 1.25
          [["cola"], "diapers", 2, 2, 4], // conf 1, lift 1.25
          [["cola"], "milk", 2, 2, 4], // conf 1, lift 1.25
          [["diapers"], "beer", 3, 4, 3], // conf .75, lift .75/.6 = 1.25
          [["bread"], "diapers", 3, 4, 4], // .75 / .8 = 0.9375
          [["bread"], "milk", 3, 4, 4],
          [["diapers"], "bread", 3, 4, 4],
          [["diapers"], "milk", 3, 4, 4],
          [["milk"], "bread", 3, 4, 4],
          [["milk"], "diapers", 3, 4, 4],
          [["beer"], "bread", 2, 3, 4], // conf 2/3, lift (2/3)/.8 = 0.8333
          [["beer"], "milk", 2, 3, 4],
          // bread→beer (conf .5), milk→cola (.5), diapers→cola (.5)… are below C = 0.6.
        ],
        5,
      ),
    );
    expect(rules[0]!.lift).toBe(1.25);
    expect(rules[4]!.lift).toBe(0.9375);
  });

  it("triples (K=3) add rules with 2-item lhs", () => {
    const { rules, stats } = mineBaskets(SHOP, { minSupport: 0.4, minConfidence: 0.6, maxLen: 3 });
    // Frequent: 5 items, 8 pairs, 4 triples ({bread,milk,diapers}, {beer,bread,diapers},
    // {beer,diapers,milk}, {cola,diapers,milk}, each in 2 baskets).
    expect(stats.frequentItemsets).toEqual([5, 8, 4]);
    expect(rules).toHaveLength(24);
    const want = expected(
      [
        [["diapers", "milk"], "cola", 2, 3, 2], // (2/3) / (2/5) = 1.6667
        [["beer"], "diapers", 3, 3, 4], // 1.25 …
        [["beer", "bread"], "diapers", 2, 2, 4], // "beer" < "beer|bread" < "beer|milk"
        [["beer", "milk"], "diapers", 2, 2, 4],
        [["cola"], "diapers", 2, 2, 4],
        [["cola"], "milk", 2, 2, 4],
        [["cola", "diapers"], "milk", 2, 2, 4],
        [["cola", "milk"], "diapers", 2, 2, 4],
        [["diapers"], "beer", 3, 4, 3],
        [["bread", "diapers"], "beer", 2, 3, 3], // (2/3) / (3/5) = 1.1111
        [["diapers", "milk"], "beer", 2, 3, 3],
      ],
      5,
    );
    expectRules(rules.slice(0, want.length), want);
    // The 0.8333 group includes the triple rules with conf 2/3 and rhs count 4.
    const low = rules.filter((r) => Math.abs(r.lift - 5 / 6) < 1e-12).map((r) => `${r.lhs.join("|")}>${r.rhs}`);
    expect(low).toEqual([
      "beer>bread",
      "beer>milk",
      "beer|diapers>bread",
      "beer|diapers>milk",
      "bread|diapers>milk",
      "bread|milk>diapers",
      "diapers|milk>bread",
    ]);
  });

  it("counts an item repeated within a basket once", () => {
    const { rules } = mineBaskets([["a", "a", "b"], ["a"], ["b", "b"]], { minSupport: 0.1, minConfidence: 0 });
    // count(a) = 2, count(b) = 2, count(ab) = 1, N = 3.
    expectRules(
      rules,
      expected(
        [
          [["a"], "b", 1, 2, 2],
          [["b"], "a", 1, 2, 2],
        ],
        3,
      ),
    );
    expect(rules[0]!.lift).toBeCloseTo(0.75, 12);
  });

  it("single-item and empty baskets count in N but yield no rules", () => {
    const { rules, stats } = mineBaskets([["a", "b"], ["a"], ["c"], []], { minSupport: 0.01, minConfidence: 0 });
    expect(stats.transactions).toBe(4);
    expect(rules.map((r) => `${r.lhs}>${r.rhs}`)).toEqual(["a>b", "b>a"]);
    // a→b: conf 1/2, lift (1/2)/(1/4) = 2; b→a: conf 1, lift 1/(2/4) = 2.
    expect(rules[0]!.lift).toBe(2);
    expect(rules[1]!.lift).toBe(2);
    expect(rules[0]!.support).toBe(0.25);
    expect(mineBaskets([["x"]], {}).rules).toEqual([]);
    expect(mineBaskets([], {}).rules).toEqual([]);
  });

  it("orders lhs items and ties by JavaScript string order (UTF-16 code units)", () => {
    const baskets = [
      ["Cà phê sữa đá", "Bánh mì thịt", "Ca cao"],
      ["Ca cao", "Cà phê sữa đá", "Bánh mì thịt"],
    ];
    const { rules } = mineBaskets(baskets, { minSupport: 0.5, minConfidence: 0.5, maxLen: 3 });
    // Everything has lift 1 here, so the order is lhs string, then rhs. "Ca cao" < "Cà…" since 'a' < 'à'.
    expect(rules.map((r) => `${r.lhs.join("|")} -> ${r.rhs}`)).toEqual([
      "Bánh mì thịt -> Ca cao",
      "Bánh mì thịt -> Cà phê sữa đá",
      "Bánh mì thịt|Ca cao -> Cà phê sữa đá",
      "Bánh mì thịt|Cà phê sữa đá -> Ca cao",
      "Ca cao -> Bánh mì thịt",
      "Ca cao -> Cà phê sữa đá",
      "Ca cao|Cà phê sữa đá -> Bánh mì thịt",
      "Cà phê sữa đá -> Bánh mì thịt",
      "Cà phê sữa đá -> Ca cao",
    ]);
  });
});

describe("thresholds", () => {
  it("S = 0.001 over N = 1000 keeps an itemset seen once", () => {
    const baskets = [["x", "y"], ...Array.from({ length: 999 }, () => ["z"])];
    expect(minCountFor(0.001, 1000)).toBe(1);
    const { rules } = mineBaskets(baskets, { minSupport: 0.001, minConfidence: 0.05 });
    expect(rules.map((r) => [r.lhs[0], r.rhs, r.count])).toEqual([
      ["x", "y", 1],
      ["y", "x", 1],
    ]);
    expect(rules[0]!.support).toBe(0.001);
    expect(rules[0]!.lift).toBe(1000);
  });

  it("support exactly at S passes despite floating-point noise (0.07 × 100)", () => {
    expect(0.07 * 100).toBeGreaterThan(7); // 7.000000000000001: a plain ceil(N·S) would demand 8
    expect(minCountFor(0.07, 100)).toBe(7);
    const at = [...Array.from({ length: 7 }, () => ["a", "b"]), ...Array.from({ length: 93 }, () => ["c"])];
    const rules = mineBaskets(at, { minSupport: 0.07, minConfidence: 0 }).rules;
    expect(rules.map((r) => [r.lhs[0], r.rhs, r.count, r.support])).toEqual([
      ["a", "b", 7, 0.07],
      ["b", "a", 7, 0.07],
    ]);
    const below = [...Array.from({ length: 6 }, () => ["a", "b"]), ...Array.from({ length: 94 }, () => ["c"])];
    expect(mineBaskets(below, { minSupport: 0.07, minConfidence: 0 }).rules).toHaveLength(0);
  });

  it("confidence exactly at C passes, just below fails", () => {
    // count(ab) = 3, count(a) = 4 → conf(a→b) = 0.75; count(b) = 3 → conf(b→a) = 1.
    const baskets = [["a", "b"], ["a", "b"], ["a", "b"], ["a"]];
    const at = mineBaskets(baskets, { minSupport: 0.1, minConfidence: 0.75 }).rules;
    expect(at.map((r) => `${r.lhs}>${r.rhs}`).sort()).toEqual(["a>b", "b>a"]);
    const above = mineBaskets(baskets, { minSupport: 0.1, minConfidence: 0.7500001 }).rules;
    expect(above.map((r) => `${r.lhs}>${r.rhs}`)).toEqual(["b>a"]);
  });

  it("S = 1 keeps only itemsets in every basket; C = 0 keeps every frequent pair", () => {
    const baskets = [
      ["a", "b", "c"],
      ["a", "b"],
      ["a", "b", "d"],
    ];
    expect(mineBaskets(baskets, { minSupport: 1, minConfidence: 0 }).rules.map((r) => `${r.lhs}>${r.rhs}`)).toEqual([
      "a>b",
      "b>a",
    ]);
    const all = mineBaskets(baskets, { minSupport: 0.3, minConfidence: 0 }).rules;
    // minCount = ⌈0.9⌉ = 1: pairs ab, ac, ad, bc, bd (cd never together), each in both directions.
    expect(all).toHaveLength(10);
  });

  it("rejects invalid options", () => {
    expect(() => mineBaskets([], { minSupport: 0 })).toThrow(RangeError);
    expect(() => mineBaskets([], { minSupport: 1.5 })).toThrow(RangeError);
    expect(() => mineBaskets([], { minConfidence: -0.1 })).toThrow(RangeError);
    expect(() => mineBaskets([], { maxLen: 1 })).toThrow(RangeError);
    expect(() => mineBaskets([], { maxLen: 2.5 })).toThrow(RangeError);
  });
});

describe("mineTransactions", () => {
  it("gives the same result with the pair matrix and the pair hash table", () => {
    const tx1 = transactionsFromBaskets(SHOP);
    const tx2 = transactionsFromBaskets(SHOP);
    const a = mineTransactions(tx1, { minSupport: 0.2, minConfidence: 0, maxLen: 3, pairCounting: "matrix" });
    const b = mineTransactions(tx2, { minSupport: 0.2, minConfidence: 0, maxLen: 3, pairCounting: "hash" });
    expect(rulesToCsv(b.rules)).toBe(rulesToCsv(a.rules));
  });

  it("reports progress per counting phase", () => {
    const phases = new Set<string>();
    mineTransactions(transactionsFromBaskets(SHOP), {
      minSupport: 0.4,
      maxLen: 3,
      onProgress: (p) => phases.add(p.phase),
    });
    expect([...phases]).toEqual(["pairs", "itemsets of 3"]);
  });
});

// ---- Property test against the brute-force reference ----

const ITEMS = ["a", "b", "c", "d", "e", "f", "g", "Bánh bao, nhân thịt", 'Trà "sen"', "Cà phê sữa đá"];
const basketArb = fc.array(fc.constantFrom(...ITEMS), { minLength: 0, maxLength: 6 });

function checkAgainstReference(
  baskets: string[][],
  sPct: number,
  cPct: number,
  k: number,
  pairCounting: "matrix" | "hash",
): void {
  const { rules } = mineBaskets(baskets, {
    minSupport: sPct / 100,
    minConfidence: cPct / 100,
    maxLen: k,
    pairCounting,
  });
  const ref = referenceMine(baskets, sPct, cPct, k);
  const byKey = new Map(ref.map((r) => [ruleKey(r), r]));
  expect(rules.map(ruleKey).sort()).toEqual([...byKey.keys()].sort());
  for (const r of rules) {
    const w = byKey.get(ruleKey(r))!;
    expect(r.count).toBe(w.count);
    expect(Math.abs(r.support - w.support)).toBeLessThan(1e-12);
    expect(Math.abs(r.confidence - w.confidence)).toBeLessThan(1e-12);
    expect(Math.abs(r.lift - w.lift)).toBeLessThan(1e-9 * Math.max(1, w.lift));
  }
  for (let i = 1; i < rules.length; i++) expect(compareRules(rules[i - 1]!, rules[i]!)).toBeLessThanOrEqual(0);
}

describe("property: optimised miner = brute force", () => {
  it("K = 2", () => {
    fc.assert(
      fc.property(
        fc.array(basketArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom<"matrix" | "hash">("matrix", "hash"),
        (baskets, s, c, pc) => checkAgainstReference(baskets, s, c, 2, pc),
      ),
      { numRuns: 300 },
    );
  });

  it("K = 3 and 4", () => {
    fc.assert(
      fc.property(
        fc.array(basketArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 3, max: 4 }),
        fc.constantFrom<"matrix" | "hash">("matrix", "hash"),
        (baskets, s, c, k, pc) => checkAgainstReference(baskets, s, c, k, pc),
      ),
      { numRuns: 300 },
    );
  });
});
