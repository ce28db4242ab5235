import { describe, expect, it } from "vitest";
import {
  answerData,
  answerFromButton,
  answerFromText,
  averageTimes100,
  nps,
  parseAnswerData,
  renderQuestion,
  type Question,
} from "../../src/surveys/logic.ts";

const choice: Question = {
  type: "choice",
  text: { vi: "Bạn thích món nào?", en: "Which do you like?" },
  options: [{ vi: "Cà phê sữa đá" }, { vi: "Trà đào", en: "Peach tea" }],
};
const rating: Question = { type: "rating", text: { vi: "Chấm điểm" } };
const score: Question = { type: "nps", text: { vi: "Giới thiệu?" } };
const text: Question = { type: "text", text: { vi: "Góp ý?" } };

describe("survey logic", () => {
  it("NPS: promoters 9–10, passives 7–8, detractors 0–6, score = round(100 (P − D) / N)", () => {
    expect(nps([])).toEqual({ responses: 0, promoters: 0, passives: 0, detractors: 0, score: null });
    expect(nps([10, 9, 8, 7, 6, 0])).toEqual({ responses: 6, promoters: 2, passives: 2, detractors: 2, score: 0 });
    expect(nps([10, 10, 9, 3]).score).toBe(50);
    expect(nps([9, 8, 8]).score).toBe(33);
    expect(nps([0, 0, 10]).score).toBe(-33);
    expect(averageTimes100([4, 5, 5])).toBe(467);
    expect(averageTimes100([])).toBeNull();
  });

  it("button data round-trips and stays within Telegram's 64 bytes", () => {
    const id = "srv_0123456789abcdefghjk";
    const d = answerData(id, 4, 10);
    expect(d.length).toBeLessThanOrEqual(64);
    expect(parseAnswerData(d)).toEqual({ surveyId: id, q: 4, value: 10 });
    expect(parseAnswerData(answerData(id, 0, "s"))).toEqual({ surveyId: id, q: 0, value: "s" });
    expect(parseAnswerData("sv:x:1")).toBeUndefined();
    expect(parseAnswerData("oc:abc")).toBeUndefined();
  });

  it("answers from buttons are checked against the question", () => {
    expect(answerFromButton(choice, 1)).toBe(1);
    expect(answerFromButton(choice, 2)).toBeUndefined();
    expect(answerFromButton(rating, 0)).toBeUndefined();
    expect(answerFromButton(rating, 5)).toBe(5);
    expect(answerFromButton(score, 0)).toBe(0);
    expect(answerFromButton(score, 11)).toBeUndefined();
    expect(answerFromButton(text, "s")).toBeNull();
    expect(answerFromButton(rating, "s")).toBeUndefined();
  });

  it("typed answers: numbers, labels without diacritics, scores, short texts", () => {
    expect(answerFromText(choice, "2")).toBe(1);
    expect(answerFromText(choice, "ca phe sua da")).toBe(0);
    expect(answerFromText(choice, "peach TEA")).toBe(1);
    expect(answerFromText(choice, "3")).toBeUndefined();
    expect(answerFromText(rating, "6")).toBeUndefined();
    expect(answerFromText(rating, " 4 ")).toBe(4);
    expect(answerFromText(score, "0")).toBe(0);
    expect(answerFromText(score, "10")).toBe(10);
    expect(answerFromText(score, "mười")).toBeUndefined();
    expect(answerFromText(text, "   ")).toBeUndefined();
    expect(answerFromText(text, "x".repeat(900))).toHaveLength(500);
  });

  it("renders buttons on Telegram; on Zalo NPS and short texts are typed", () => {
    const qs = [choice, rating, score, text];
    const tg = renderQuestion("srv_a", qs, 2, "vi", "telegram");
    expect(tg.text).toContain("(3/4) Giới thiệu?");
    expect(tg.buttons?.flat()).toHaveLength(11);
    expect(renderQuestion("srv_a", qs, 2, "en", "zalo").buttons).toBeUndefined();
    expect(
      renderQuestion("srv_a", qs, 0, "en", "zalo")
        .buttons?.flat()
        .map((b) => b.label),
    ).toEqual(["Cà phê sữa đá", "Peach tea"]);
    expect(renderQuestion("srv_a", qs, 3, "vi", "telegram").buttons?.[0]?.[0]?.label).toBe("Bỏ qua");
    expect(renderQuestion("srv_a", qs, 3, "vi", "zalo").buttons).toBeUndefined();
  });
});
