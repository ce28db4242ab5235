import { describe, expect, it } from "vitest";
import {
  isValidButtonData,
  looksLikePhone,
  matchKeywords,
  parseButton,
  parseCommand,
  typedLinkCode,
} from "../../bots/core/intents.ts";
import { TokenBuckets } from "../../bots/core/rate-limit.ts";
import {
  firstName,
  formatDate,
  formatDateTime,
  formatMoney,
  formatPoints,
  foldVietnamese,
  truncate,
} from "../../src/messages/render.ts";
import { copyFor } from "../../src/messages/index.ts";
import { numberedChoices } from "../../bots/zalo/channel.ts";
import { toTelegramCalls } from "../../bots/telegram/render.ts";

describe("commands", () => {
  it("parses slash commands with arguments and @bot suffixes", () => {
    expect(parseCommand("/start")).toEqual({ kind: "start", code: undefined });
    expect(parseCommand("/start ACDE3479")).toEqual({ kind: "start", code: "ACDE3479" });
    expect(parseCommand("/points@loyalty_test_bot")).toEqual({ kind: "points" });
    expect(parseCommand("/language en")).toEqual({ kind: "language", lang: "en" });
    expect(parseCommand("/language Tiếng Việt")).toEqual({ kind: "language", lang: "vi" });
    expect(parseCommand("/language")).toEqual({ kind: "language", lang: undefined });
    expect(parseCommand("/nope")).toEqual({ kind: "unknown" });
    expect(parseCommand("points")).toBeUndefined();
  });

  it("parses button data", () => {
    expect(parseButton("p")).toEqual({ kind: "points" });
    expect(parseButton("r:6")).toEqual({ kind: "rewards", from: 6 });
    expect(parseButton("rw:rwd_abc")).toEqual({ kind: "redeemAsk", rewardId: "rwd_abc" });
    expect(parseButton("rc:rwd_abc:k3m9p2xa")).toEqual({
      kind: "redeemConfirm",
      rewardId: "rwd_abc",
      nonce: "k3m9p2xa",
    });
    expect(parseButton("oc:off_1")).toEqual({ kind: "offerClaim", offerId: "off_1" });
    expect(parseButton("l:en")).toEqual({ kind: "language", lang: "en" });
    expect(parseButton("garbage")).toEqual({ kind: "unknown" });
    expect(isValidButtonData(`rc:${"r".repeat(24)}:abcdefgh`)).toBe(true);
    expect(isValidButtonData("x".repeat(65))).toBe(false);
    expect(isValidButtonData("điểm")).toBe(false);
  });
});

describe("keyword intents (vi with and without diacritics, en)", () => {
  const cases: [string, string][] = [
    ["điểm của tôi", "points"],
    ["diem cua toi", "points"],
    ["ĐIỂM CỦA TÔI?", "points"],
    ["Tôi còn bao nhiêu điểm vậy", "points"],
    ["how many points do I have?", "points"],
    ["my balance", "points"],
    ["lịch sử", "history"],
    ["show my history", "history"],
    ["đổi quà", "rewards"],
    ["doi qua", "rewards"],
    ["what rewards can I get", "rewards"],
    ["voucher của tôi", "vouchers"],
    ["my vouchers", "vouchers"],
    ["ưu đãi", "offers"],
    ["khuyen mai hom nay", "offers"],
    ["any offers?", "offers"],
    ["dừng nhận khuyến mãi", "stop"],
    ["unsubscribe", "stop"],
    ["nhận lại ưu đãi", "optIn"],
    ["Bắt đầu", "start"],
    ["english please", "language"],
    ["trợ giúp", "help"],
    ["help", "help"],
    ["xin chào", "greeting"],
    ["cảm ơn", "thanks"],
    ["bánh mì ngon không", "unknown"],
  ];
  for (const [text, kind] of cases) {
    it(`${text} → ${kind}`, () => expect(matchKeywords(text).kind).toBe(kind));
  }
});

describe("typed codes and phones", () => {
  it("recognises a typed link code in any case, alone or after 'mã'/'code'", () => {
    expect(typedLinkCode("acde3479")).toBe("ACDE3479");
    expect(typedLinkCode(" ACDE3479 ")).toBe("ACDE3479");
    expect(typedLinkCode("mã ACDE3479")).toBe("ACDE3479");
    expect(typedLinkCode("code: acde3479")).toBe("ACDE3479");
    expect(typedLinkCode("vouchers")).toBeUndefined();
    expect(typedLinkCode("ABCDEFGH")).toBeUndefined(); // B is not in the alphabet
    expect(typedLinkCode("ACDE347")).toBeUndefined();
  });
  it("recognises phone numbers", () => {
    expect(looksLikePhone("0912345678")).toBe(true);
    expect(looksLikePhone("+84 912 345 678")).toBe(true);
    expect(looksLikePhone("0912-345-678")).toBe(true);
    expect(looksLikePhone("ACDE3479")).toBe(false);
    expect(looksLikePhone("12")).toBe(false);
  });
});

describe("rendering", () => {
  it("formats VND, points and dates per locale", () => {
    expect(formatMoney(125000, "VND", "vi")).toBe("125.000 ₫");
    expect(formatMoney(125000, "VND", "en")).toBe("125,000 ₫");
    expect(formatMoney(0, "VND", "vi")).toBe("0 ₫");
    expect(formatMoney(12345, "USD", "en")).toBe("123.45 $");
    expect(formatPoints(1234567, "vi")).toBe("1.234.567");
    expect(formatPoints(1234567, "en")).toBe("1,234,567");
    expect(formatPoints(-1500, "vi")).toBe("-1.500");
    const d = new Date("2026-12-31T18:30:00Z"); // 01:30 on 1 January in Ho Chi Minh City
    expect(formatDate(d, "vi")).toBe("01/01/2027");
    expect(formatDate(d, "en")).toBe("01 Jan 2027");
    expect(formatDateTime(d, "vi")).toBe("01:30 01/01/2027");
    expect(formatDate(d, "vi", "UTC")).toBe("31/12/2026");
  });
  it("greets Vietnamese names by their last word, others by the first", () => {
    expect(firstName("Nguyễn Văn Hoa")).toBe("Hoa");
    expect(firstName("Trần Thị Mai")).toBe("Mai");
    expect(firstName("Emily Carter")).toBe("Emily");
    expect(firstName("Lan")).toBe("Lan");
    expect(firstName("  ")).toBeUndefined();
    expect(foldVietnamese("Đổi Quà")).toBe("doi qua");
    expect(truncate("Cà phê sữa đá rất ngon", 10)).toBe("Cà phê sữ…");
  });
  it("Vietnamese copy is polite and warm; both languages have the same commands", () => {
    const vi = copyFor("vi");
    const en = copyFor("en");
    expect(vi.needLink("web")).toMatch(/^Dạ, bạn/);
    expect(vi.commands.map((c) => c.command)).toEqual(en.commands.map((c) => c.command));
    for (const c of [...vi.commands, ...en.commands]) expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
  });
});

describe("adapters (pure parts)", () => {
  it("Zalo: buttons become numbered choices", () => {
    const r = numberedChoices(
      {
        text: "Chọn:",
        buttons: [
          [
            { label: "A", data: "a" },
            { label: "B", data: "b" },
          ],
          [{ label: "C", data: "c" }],
        ],
      },
      "Trả lời bằng số để chọn:",
    );
    expect(r.text).toBe("Chọn:\n\nTrả lời bằng số để chọn:\n1. A\n2. B\n3. C");
    expect(r.choices.map((c) => c.data)).toEqual(["a", "b", "c"]);
  });
  it("Telegram: inline keyboards, contact keyboard, split text over 4096", () => {
    expect(toTelegramCalls({ text: "hi", buttons: [[{ label: "A", data: "a" }]] })).toEqual([
      { method: "sendMessage", text: "hi", reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } },
    ]);
    expect(toTelegramCalls({ text: "hi", requestContact: "Share" })[0]).toMatchObject({
      reply_markup: { keyboard: [[{ text: "Share", request_contact: true }]] },
    });
    const long = toTelegramCalls({ text: "câu ".repeat(2000), buttons: [[{ label: "A", data: "a" }]] });
    expect(long.length).toBe(2);
    expect(long[0]).not.toHaveProperty("reply_markup");
    expect(long[1]).toHaveProperty("reply_markup");
  });
});

describe("token buckets", () => {
  it("10 per minute, one warning, refills with time", () => {
    let t = 0;
    const b = new TokenBuckets({ capacity: 10, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 10; i++) expect(b.take("u")).toBe("ok");
    expect(b.take("u")).toBe("limited-warn");
    expect(b.take("u")).toBe("limited-silent");
    expect(b.take("other")).toBe("ok");
    t += 6_000;
    expect(b.take("u")).toBe("ok");
    expect(b.take("u")).toBe("limited-warn");
  });
});
