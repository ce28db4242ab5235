/**
 * jsonbKeyOrder (src/lib/jsonb-order.ts) against the database itself: a value put in jsonb's key order serialises to
 * the same text before and after a round trip through a jsonb column — what lets a replayed order response, whose
 * breakdown comes back from the earn entry, be byte for byte the first one.
 */
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../src/db/rows.ts";
import { jsonbKeyOrder } from "../../src/lib/jsonb-order.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/db.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

// jsonb holds no NUL; JavaScript lists integer-like keys first whatever their order (documented on the function).
const text = fc.string({ unit: "grapheme", maxLength: 8 }).filter((s) => !s.includes("\u0000"));
const key = text.filter((k) => !/^(0|[1-9]\d*)$/.test(k));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    text,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 6 }),
  ),
}));

describe("jsonbKeyOrder", () => {
  it("gives the text a jsonb round trip gives back", async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const [row] = resultRows<{ t: string }>(
          await database.db.execute(sql`select (${JSON.stringify(v)}::text::jsonb)::text as t`),
        );
        expect(JSON.stringify(jsonbKeyOrder(v))).toBe(JSON.stringify(JSON.parse(row!.t)));
      }),
      { numRuns: 150 },
    );
  });

  it("orders shorter keys first, then by UTF-8 bytes (not UTF-16 units)", () => {
    // "｡" is 3 bytes in UTF-8 and "base" 4; "｡a" and "😀" are 4 bytes each, and UTF-16 would put "😀" first.
    const v = jsonbKeyOrder({
      total: 1,
      "\u{1F600}": 2,
      base: 3,
      "\uFF61a": 4,
      lines: [{ sku: "a", amount: 1 }],
      "\uFF61": 5,
    });
    expect(Object.keys(v)).toEqual(["\uFF61", "base", "\uFF61a", "\u{1F600}", "lines", "total"]);
    expect(Object.keys(v.lines[0]!)).toEqual(["sku", "amount"]);
  });
});
