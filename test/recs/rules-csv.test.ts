import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvRow } from "../../src/lib/csv.ts";
import { mineTransactions } from "../../src/recs/mine.ts";
import { formatNumber } from "../../src/recs/number-format.ts";
import { parseRulesCsv, RULES_HEADER, rulesToCsv, writeRulesCsv } from "../../src/recs/rules-csv.ts";
import { loadTransactionsCsv } from "../../src/recs/transactions-csv.ts";
import { referenceMine, ruleKey } from "./reference.ts";

describe("formatNumber", () => {
  it("prints up to 10 significant digits without exponent in normal ranges", () => {
    expect(formatNumber(0.25)).toBe("0.25");
    expect(formatNumber(2 / 3)).toBe("0.6666666667");
    expect(formatNumber(4 / 3)).toBe("1.333333333");
    expect(formatNumber(180.10582301206028)).toBe("180.105823");
    expect(formatNumber(0.000001)).toBe("0.000001");
    expect(formatNumber(1 / 3000)).toBe("0.0003333333333");
    expect(formatNumber(1000)).toBe("1000");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(1.5e-7)).toBe("1.5e-7");
    // At least 6 significant digits survive the round trip.
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (x) => {
        expect(Math.abs(Number(formatNumber(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-9);
      }),
    );
  });
});

describe("rules CSV", () => {
  it("writes the header, joins lhs with | and quotes fields with commas or quotes", () => {
    const csv = rulesToCsv([
      {
        lhs: ["Bánh bao, nhân thịt", "Bạc xỉu"],
        rhs: 'Bánh mì "đặc biệt"',
        count: 3,
        support: 0.3,
        confidence: 0.75,
        lift: 2.5,
      },
      { lhs: ["a"], rhs: "b", count: 1, support: 1 / 3, confidence: 1, lift: 3 },
    ]);
    expect(csv).toBe(
      "lhs,rhs,support,confidence,lift,count\n" +
        '"Bánh bao, nhân thịt|Bạc xỉu","Bánh mì ""đặc biệt""",0.3,0.75,2.5,3\n' +
        "a,b,0.3333333333,1,3,1\n",
    );
    expect(parseRulesCsv(csv)[0]!.lhs).toEqual(["Bánh bao, nhân thịt", "Bạc xỉu"]);
  });

  it("streams through a sink in chunks with the same content", async () => {
    const rules = Array.from({ length: 50_000 }, (_, i) => ({
      lhs: [`item ${i}`],
      rhs: "x",
      count: i,
      support: 0.5,
      confidence: 0.5,
      lift: 1,
    }));
    const chunks: string[] = [];
    await writeRulesCsv(rules, (c) => {
      chunks.push(c);
    });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(rulesToCsv(rules));
    expect(chunks[0]!.startsWith(RULES_HEADER + "\n")).toBe(true);
  });
});

describe("property: CSV file → loader → miner → rules CSV = brute force", () => {
  it("agrees on rules, counts and ratios (to 1e-6 after printing), with shuffled non-adjacent rows", async () => {
    const items = ["a", "b", "c", "d", "Bánh bao, nhân thịt", 'Trà "sen"', "Cà phê sữa đá", "e"];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.constantFrom(...items), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        async (baskets, s, c, k, seed) => {
          // Long format, rows shuffled deterministically so orders interleave.
          const rows = baskets.flatMap((b, i) => b.map((item) => [`#${i}`, item]));
          let x = seed;
          for (let i = rows.length - 1; i > 0; i--) {
            x = (x * 1103515245 + 12345) % 2147483648;
            const j = x % (i + 1);
            [rows[i], rows[j]] = [rows[j]!, rows[i]!];
          }
          const text = "order_id,item\r\n" + rows.map((r) => csvRow(r)).join("\r\n") + "\r\n";
          const tx = await loadTransactionsCsv([text]);
          const { rules } = mineTransactions(tx, { minSupport: s / 100, minConfidence: c / 100, maxLen: k });
          const parsed = parseRulesCsv(rulesToCsv(rules));
          const ref = new Map(referenceMine(baskets, s, c, k).map((r) => [ruleKey(r), r]));
          expect(parsed.map(ruleKey).sort()).toEqual([...ref.keys()].sort());
          for (const r of parsed) {
            const w = ref.get(ruleKey(r))!;
            expect(r.count).toBe(w.count);
            expect(Math.abs(r.support - w.support)).toBeLessThan(1e-6);
            expect(Math.abs(r.confidence - w.confidence)).toBeLessThan(1e-6);
            expect(Math.abs(r.lift - w.lift)).toBeLessThan(1e-6 * Math.max(1, w.lift));
          }
          // Sorted by (printed) lift desc, then lhs string, then rhs.
          for (let i = 1; i < parsed.length; i++) {
            const a = parsed[i - 1]!;
            const b = parsed[i]!;
            const la = a.lhs.join("|");
            const lb = b.lhs.join("|");
            expect(a.lift > b.lift || (a.lift === b.lift && (la < lb || (la === lb && a.rhs < b.rhs)))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
