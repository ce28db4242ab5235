import { describe, expect, it } from "vitest";
import { extractFigures, FactSet, numberCandidates, unknownFigures } from "../../src/llm/figures.ts";

const nums = (t: string) =>
  extractFigures(t)
    .filter((f) => f.kind === "number")
    .map((f) => (f.kind === "number" ? f.values : []));

describe("figures in vi/en text", () => {
  it("normalises vi and en number formats", () => {
    expect(numberCandidates("125.000")).toContain(125000);
    expect(numberCandidates("125,000")).toContain(125000);
    expect(numberCandidates("1.250")).toEqual(expect.arrayContaining([1250, 1.25]));
    expect(numberCandidates("1,5")).toEqual([1.5]);
    expect(numberCandidates("1.250.000")).toEqual([1250000]);
    expect(numberCandidates("1.250,50")).toContain(1250.5);
    expect(nums("Giá 125.000 ₫")).toEqual([[125000, 125]]);
    expect(nums("only 125k")).toEqual([[125000]]);
    expect(nums("chỉ 125 nghìn")).toEqual([[125000]]);
    expect(nums("1,5 triệu đồng")).toEqual([[1500000]]);
    expect(nums("1.5M")).toEqual([[1500000]]);
    expect(nums("giảm 20%")).toEqual([[20]]);
    expect(nums("10 km")).toEqual([[10]]);
  });

  it("recognises dates and times in both languages", () => {
    const kinds = (t: string) =>
      extractFigures(t).map((f) =>
        f.kind === "date" ? `${f.date.d ?? "-"}/${f.date.m}/${f.date.y ?? "-"}` : f.kind === "time" ? f.time : "n",
      );
    expect(kinds("đến hết 20/11/2026")).toEqual(["20/11/2026"]);
    expect(kinds("đến 20/11")).toEqual(["20/11/-"]);
    expect(kinds("until 20 Nov 2026")).toEqual(["20/11/2026"]);
    expect(kinds("until November 20th, 2026")).toEqual(["20/11/2026"]);
    expect(kinds("ngày 20 tháng 11 năm 2026")).toEqual(["20/11/2026"]);
    expect(kinds("trong tháng 11")).toEqual(["-/11/-"]);
    expect(kinds("2026-11-20")).toEqual(["20/11/2026"]);
    expect(kinds("lúc 14:30 hoặc 9h05")).toEqual(["14:30", "9:05"]);
    expect(kinds("you may come")).toEqual([]);
  });

  it("checks figures against facts", () => {
    const facts = new FactSet()
      .addNumber(125000)
      .addNumber(20)
      .addDate(new Date("2026-11-20T10:00:00Z"), "Asia/Ho_Chi_Minh");
    expect(unknownFigures("Giảm 20%, chỉ 125.000 ₫ đến 20/11/2026", facts)).toEqual([]);
    expect(unknownFigures("20% off, just 125k until 20 Nov", facts)).toEqual([]);
    expect(unknownFigures("Giảm 30%", facts).map((f) => f.raw)).toEqual(["30"]);
    expect(unknownFigures("đến 21/11/2026", facts)).toHaveLength(1);
    expect(unknownFigures("gọi 0912345678", facts)).toHaveLength(1);
    expect(unknownFigures("+84 912 345 678", facts).length).toBeGreaterThan(0);
  });

  it("local dates follow the merchant's time zone", () => {
    // 2026-11-20T20:00Z is already 21/11 in Ho Chi Minh City (UTC+7)
    const facts = new FactSet().addDate(new Date("2026-11-20T20:00:00Z"), "Asia/Ho_Chi_Minh");
    expect(unknownFigures("21/11/2026", facts)).toEqual([]);
    expect(unknownFigures("20/11/2026", facts)).toHaveLength(1);
  });

  it("collects figures from tool results", () => {
    const facts = new FactSet().addValue({
      balance: "1.250",
      next: { spendNeeded: "500.000 ₫" },
      firstExpiry: "20/11/2026",
      list: [{ cost: 30 }],
    });
    expect(unknownFigures("Bạn có 1.250 điểm, cần 500.000 ₫ nữa, hết hạn 20/11/2026, quà 30 điểm", facts)).toEqual([]);
    expect(unknownFigures("You have 1,250 points", facts)).toEqual([]);
    expect(unknownFigures("You have 1,251 points", facts)).toHaveLength(1);
  });
});
