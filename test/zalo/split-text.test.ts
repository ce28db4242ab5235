import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitOneMessage, splitText } from "../../bots/core/split-text.ts";
import { TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, toTelegramCalls } from "../../bots/telegram/render.ts";

describe("splitText", () => {
  it("returns short text as is and [] for empty text", () => {
    expect(splitText("Xin chào", 2000)).toEqual(["Xin chào"]);
    expect(splitText("", 2000)).toEqual([]);
    expect(splitText("   \n ", 2000)).toEqual([]);
  });

  it("prefers paragraph boundaries", () => {
    const a = "A".repeat(60);
    const b = "B".repeat(60);
    expect(splitText(`${a}\n\n${b}`, 100)).toEqual([a, b]);
  });

  it("then sentence boundaries", () => {
    const text = "Bạn có 1.250 điểm. Hạng Bạc còn 350.000 ₫ nữa. Chúc bạn một ngày vui vẻ!";
    const parts = splitText(text, 50);
    expect(parts[0]).toBe("Bạn có 1.250 điểm. Hạng Bạc còn 350.000 ₫ nữa.");
    expect(parts[1]).toBe("Chúc bạn một ngày vui vẻ!");
  });

  it("then word boundaries, then a hard cut that keeps surrogate pairs whole", () => {
    const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
    for (const p of splitText(words, 12)) {
      expect(p.length).toBeLessThanOrEqual(12);
      expect(p).not.toMatch(/^\s|\s$/);
    }
    expect(splitText(words, 12).join(" ")).toBe(words);
    const emoji = "😀".repeat(10); // 20 UTF-16 units
    const parts = splitText(emoji, 5);
    expect(parts.join("")).toBe(emoji);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(5);
      expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
  });

  it("works for Telegram's 4096 too", () => {
    const para = "Ưu đãi tháng này rất hấp dẫn. ".repeat(100).trim();
    const parts = splitText(Array(5).fill(para).join("\n\n"), 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
  });

  it("never exceeds the limit and loses only whitespace (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "bc", "Đ", "😀", " ", "\n", "\n\n", ". ", "! ", "xyzxyzxyz"), { maxLength: 200 }),
        fc.integer({ min: 2, max: 40 }),
        (pieces, limit) => {
          const text = pieces.join("");
          const parts = splitText(text, limit);
          for (const p of parts) {
            expect(p.length).toBeGreaterThan(0);
            expect(p.length).toBeLessThanOrEqual(limit);
          }
          expect(parts.join("").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
        },
      ),
    );
  });
});

describe("one message per broadcast recipient", () => {
  it("fitOneMessage: short text as is; a long one cut at a boundary within the limit, ending in …", () => {
    expect(fitOneMessage("Xin chào", 2000)).toBe("Xin chào");
    const long = "Ưu đãi tháng này. ".repeat(200);
    const one = fitOneMessage(long, 2000);
    expect(one.length).toBeLessThanOrEqual(2000);
    expect(one.endsWith("…")).toBe(true);
    expect(long.startsWith(one.slice(0, -1))).toBe(true);
  });

  it("toTelegramCalls with single: one call, text or caption within its limit", () => {
    const long = "Khuyến mãi lớn. ".repeat(400); // 6,400 characters
    expect(toTelegramCalls({ text: long }).length).toBeGreaterThan(1);
    const [text, ...none] = toTelegramCalls({ text: long }, { single: true });
    expect(none).toEqual([]);
    expect(text).toMatchObject({ method: "sendMessage" });
    expect((text as { text: string }).text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    const withPhoto = toTelegramCalls({ text: long, imageUrl: "https://shop.example/a.jpg" }, { single: true });
    expect(withPhoto).toHaveLength(1);
    expect(withPhoto[0]).toMatchObject({ method: "sendPhoto" });
    expect((withPhoto[0] as { caption: string }).caption.length).toBeLessThanOrEqual(TELEGRAM_CAPTION_LIMIT);
  });
});
