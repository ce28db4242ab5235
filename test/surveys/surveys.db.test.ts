/**
 * Surveys end to end over the fake Telegram and Zalo Bot APIs: a survey sent to a segment through the campaigns'
 * delivery queue, answered with buttons on Telegram and typed numbers on Zalo, the points credited once; results
 * (JSON, per segment, CSV); the after-order offer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { telegramCallbackUpdate, telegramTextUpdate, zaloTextUpdate } from "../fakes/index.ts";
import { ledgerEntries } from "../../src/db/schema.ts";
import { deliveries } from "../../src/campaigns/tables.ts";
import { deliverBatch } from "../../src/campaigns/delivery.ts";
import { runSurveyOrderPass } from "../../src/surveys/service.ts";
import {
  addMember,
  lastButtons,
  linkCode,
  newTelegramUser,
  newZaloUser,
  setupShop,
  startBotHarness,
  tgTexts,
  zaloTexts,
  type BotHarness,
  type Shop,
} from "../bots/harness.ts";

let h: BotHarness;
let shop: Shop;
const tgUser = newTelegramUser();
const zaloUser = newZaloUser();
let tgMember: string;
let zaloMember: string;

const questions = [
  {
    type: "choice",
    text: { vi: "Bạn biết đến quán qua đâu?", en: "How did you hear about us?" },
    options: [
      { vi: "Bạn bè", en: "Friends" },
      { vi: "Facebook", en: "Facebook" },
      { vi: "Đi ngang qua", en: "Walking by" },
    ],
  },
  { type: "rating", text: { vi: "Bạn chấm cà phê mấy sao?", en: "How do you rate our coffee?" } },
  { type: "nps", text: { vi: "Bạn có giới thiệu quán cho bạn bè không?", en: "Would you recommend us?" } },
  { type: "text", text: { vi: "Bạn muốn góp ý gì?", en: "Anything we could do better?" } },
];

beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
  tgMember = await addMember(h.s, shop, "vi", "Trần Thị Lan");
  zaloMember = await addMember(h.s, shop, "en", "Emily Carter");
  expect((await h.telegram(telegramTextUpdate(`/start ${await linkCode(shop, tgMember)}`, tgUser))).status).toBe(200);
  expect((await h.zaloHook(zaloTextUpdate(`/start ${await linkCode(shop, zaloMember)}`, zaloUser))).status).toBe(200);
  h.tg.reset();
  h.zalo.reset();
});
afterAll(async () => {
  await h?.close();
});

const press = async (data: string) => expect((await h.telegram(telegramCallbackUpdate(data, tgUser))).status).toBe(200);
const tgSay = async (text: string) => expect((await h.telegram(telegramTextUpdate(text, tgUser))).status).toBe(200);
const zaloSay = async (text: string) => expect((await h.zaloHook(zaloTextUpdate(text, zaloUser))).status).toBe(200);
const tgLast = () => tgTexts(h.tg, tgUser.id).at(-1) ?? "";
const zaloLast = () => zaloTexts(h.zalo, zaloUser.id).at(-1) ?? "";
const deliver = () =>
  deliverBatch({ db: h.database.db, senders: h.channels.senders, clock: h.clock, maxMs: 10_000, backoffMs: () => 0 });

async function surveyEntries(memberId: string) {
  return h.database.db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.memberId, memberId), eq(ledgerEntries.kind, "bonus")));
}

describe("a survey sent to a segment", () => {
  let surveyId: string;

  it("validates the questions with field paths", async () => {
    const bad = await shop.api("POST", "/v1/surveys", {
      name: "x",
      questions: [{ type: "choice", text: { vi: "?" }, options: [{ vi: "only one" }] }],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("questions.0.options");
    const tooMany = await shop.api("POST", "/v1/surveys", {
      name: "x",
      questions: Array.from({ length: 6 }, () => ({ type: "rating", text: { vi: "?" } })),
    });
    expect(tooMany.status).toBe(400);
    const noSegment = await shop.api("POST", "/v1/surveys", { name: "x", questions, segmentId: "nope" });
    expect(noSegment.status).toBe(404);
  });

  it("reaches the linked members through the delivery queue: buttons on Telegram, numbered choices on Zalo", async () => {
    const seg = await shop.api("POST", "/v1/segments", { name: "everyone", rule: { all: [] } });
    expect(seg.status).toBe(201);
    const created = await shop.api("POST", "/v1/surveys", {
      name: "Góp ý tháng 12",
      questions,
      points: 50,
      segmentId: seg.body.id,
    });
    expect(created.status).toBe(201);
    surveyId = created.body.id;
    const sent = await shop.api("POST", `/v1/surveys/${surveyId}/send`);
    expect(sent.status).toBe(202);
    // The shop's first member has no chat: not a recipient (surveys are answered in chat).
    expect(sent.body.recipients).toBe(2);
    expect((await shop.api("POST", `/v1/surveys/${surveyId}/send`)).status).toBe(409);

    const stats = await deliver();
    expect(stats.sent).toBe(2);
    expect(tgLast()).toContain("(1/4) Bạn biết đến quán qua đâu?");
    expect(tgLast()).toContain("Chào Lan");
    expect(lastButtons(h.tg, tgUser.id).map((b) => b.text)).toEqual(["Bạn bè", "Facebook", "Đi ngang qua"]);
    // Zalo: the member's language, the options as numbered choices.
    expect(zaloLast()).toContain("(1/4) How did you hear about us?");
    expect(zaloLast()).toMatch(/1\. Friends\n2\. Facebook\n3\. Walking by/);
  });

  it("Telegram: answered with buttons (and a typed short text), points credited once", async () => {
    const [, facebook] = lastButtons(h.tg, tgUser.id);
    await press(facebook!.data);
    expect(tgLast()).toContain("(2/4) Bạn chấm cà phê mấy sao?");
    const stars = lastButtons(h.tg, tgUser.id);
    expect(stars).toHaveLength(5);
    await press(stars[3]!.data); // 4 stars
    expect(tgLast()).toContain("(3/4)");
    const scores = lastButtons(h.tg, tgUser.id);
    expect(scores.map((b) => b.text)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    const nine = scores[9]!.data;
    // An old button (question 1 again) does not change the answer: the current question is asked again.
    await press(facebook!.data);
    expect(tgLast()).toContain("(3/4)");
    await press(nine);
    expect(tgLast()).toContain("(4/4) Bạn muốn góp ý gì?");
    await tgSay("Thêm bánh ngọt nhé");
    expect(tgLast()).toContain("Bạn được cộng 50 điểm");
    expect(await surveyEntries(tgMember)).toHaveLength(1);
    // Pressing the last buttons again: nothing more is credited, the member is told.
    await press(nine);
    expect(tgLast()).toContain("đã trả lời khảo sát này rồi");
    const entries = await surveyEntries(tgMember);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ points: 50, reason: `survey:${surveyId}:${tgMember}` });
    // Free text after the survey is ordinary chat again.
    await tgSay("điểm của tôi");
    expect(tgLast()).not.toContain("Cảm ơn bạn đã trả lời");
  });

  it("Zalo: answered with typed numbers and a typed NPS score, points credited once", async () => {
    await zaloSay("3"); // Walking by
    expect(zaloLast()).toContain("(2/4) How do you rate our coffee?");
    expect(zaloLast()).toContain("5. 5 ★★★★★");
    await zaloSay("5");
    expect(zaloLast()).toContain("(3/4) Would you recommend us?");
    expect(zaloLast()).toContain("Reply with a number from 0");
    await zaloSay("6");
    expect(zaloLast()).toContain("(4/4)");
    await zaloSay("=cmd() more seats please");
    expect(zaloLast()).toContain("50 points were added");
    expect(await surveyEntries(zaloMember)).toHaveLength(1);
    const member = await shop.api("GET", `/v1/members/${zaloMember}`);
    expect(member.body.points.balance).toBe(200); // 150 + 50
    // A typed number now is no survey answer (the survey is done): nothing credited again.
    await zaloSay("4");
    expect(await surveyEntries(zaloMember)).toHaveLength(1);
  });

  it("results: counts, rating average, NPS and texts; per segment; CSV", async () => {
    const r = await shop.api("GET", `/v1/surveys/${surveyId}/results?lang=en`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ sent: 2, started: 2, completed: 2, completionRate: 1, pointsAwarded: 100 });
    const [choice, rating, score, text] = r.body.questions;
    expect(choice.counts.map((c: { count: number }) => c.count)).toEqual([0, 1, 1]);
    expect(choice.counts[1].label).toBe("Facebook");
    expect(rating.average).toBe(4.5);
    expect(score.nps).toEqual({ responses: 2, promoters: 1, passives: 0, detractors: 1, score: 0 });
    expect(text.answers.map((a: { text: string }) => a.text).sort()).toEqual([
      "=cmd() more seats please",
      "Thêm bánh ngọt nhé",
    ]);

    const en = await shop.api("POST", "/v1/segments", {
      name: "English speakers",
      rule: { field: "language", op: "eq", value: "en" },
    });
    const per = await shop.api("GET", `/v1/surveys/${surveyId}/results?segmentId=${en.body.id}`);
    expect(per.body).toMatchObject({ segmentId: en.body.id, sent: 1, completed: 1, pointsAwarded: 50 });
    expect(per.body.questions[2].nps.score).toBe(-100);
    expect((await shop.api("GET", `/v1/surveys/${surveyId}/results?segmentId=nope`)).status).toBe(404);

    const csv = await fetch(`${h.s.url}/v1/surveys/${surveyId}/results.csv`, {
      headers: { authorization: `Bearer ${shop.apiKey}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("q1 Bạn biết đến quán qua đâu?");
    const zaloLine = lines.find((l) => l.startsWith(zaloMember))!;
    expect(zaloLine).toContain("Đi ngang qua,5,6,'=cmd() more seats please");

    const view = await shop.api("GET", `/v1/surveys/${surveyId}`);
    expect(view.body.counts).toEqual({ sent: 2, started: 2, completed: 2 });
    const list = await shop.api("GET", "/v1/surveys");
    expect(list.body.surveys.map((s: { id: string }) => s.id)).toContain(surveyId);
    // Newest first, keyset-paged; an unknown cursor starts from the top.
    h.clock.advance(1000);
    const other = await shop.api("POST", "/v1/surveys", { name: "Newer", questions: [questions[1]] });
    const first = await shop.api("GET", "/v1/surveys?limit=1");
    expect(first.body).toMatchObject({ surveys: [{ id: other.body.id }], next: other.body.id });
    const second = await shop.api("GET", `/v1/surveys?limit=1&before=${first.body.next}`);
    expect(second.body.surveys.map((s: { id: string }) => s.id)).toEqual([surveyId]);
    expect((await shop.api("GET", "/v1/surveys?limit=1&before=srv_unknown")).body.surveys[0].id).toBe(other.body.id);
  });

  it("a member's export holds their responses; erasure blanks their typed answers, scores stay", async () => {
    const exported = await shop.api("GET", `/v1/members/${zaloMember}/export`);
    expect(exported.body.surveyResponses).toMatchObject([
      { surveyId, status: "completed", answers: [2, 5, 6, "=cmd() more seats please"] },
    ]);
    expect((await shop.api("POST", `/v1/members/${zaloMember}/erase`)).status).toBe(200);
    const r = await shop.api("GET", `/v1/surveys/${surveyId}/results`);
    expect(r.body.questions[3].answers.map((a: { text: string }) => a.text)).toEqual(["Thêm bánh ngọt nhé"]);
    expect(r.body.questions[2].nps.responses).toBe(2);
  });

  it("another merchant sees none of it", async () => {
    const other = await h.s.merchant("Other shop");
    expect((await other.api("GET", `/v1/surveys/${surveyId}`)).status).toBe(404);
    expect((await other.api("GET", `/v1/surveys/${surveyId}/results`)).status).toBe(404);
    expect((await other.api("POST", `/v1/surveys/${surveyId}/send`)).status).toBe(404);
  });
});

describe("a survey offered after an order", () => {
  it("goes out delayHours after the order, once per member", async () => {
    const created = await shop.api("POST", "/v1/surveys", {
      name: "Sau đơn hàng",
      questions: [{ type: "rating", text: { vi: "Đơn hàng hôm nay thế nào?", en: "How was today's order?" } }],
      points: 10,
      afterOrder: { delayHours: 2 },
    });
    expect(created.status).toBe(201);
    const surveyId = created.body.id;
    // No segment: it cannot be sent by hand.
    expect((await shop.api("POST", `/v1/surveys/${surveyId}/send`)).status).toBe(409);
    h.clock.advance(60_000);
    const order = await shop.api("POST", "/v1/orders", {
      externalId: `SURVEY-${tgMember}`,
      memberId: tgMember,
      placedAt: h.clock.now().toISOString(),
      items: [{ sku: "CF-01", quantity: 1, unitPrice: 50_000 }],
    });
    expect(order.status).toBe(201);
    expect(await runSurveyOrderPass(h.database.db, h.clock.now())).toBe(0); // too early
    h.clock.advance(2 * 3_600_000);
    expect(await runSurveyOrderPass(h.database.db, h.clock.now())).toBe(1);
    expect(await runSurveyOrderPass(h.database.db, h.clock.now())).toBe(0); // once
    h.tg.reset();
    expect((await deliver()).sent).toBe(1);
    expect(tgLast()).toContain("(1/1) Đơn hàng hôm nay thế nào?");
    // The last answer twice at once (a double tap): credited once.
    const five = lastButtons(h.tg, tgUser.id)[4]!.data;
    await Promise.all([press(five), press(five)]);
    expect(tgTexts(h.tg, tgUser.id).filter((t) => t.includes("Bạn được cộng 10 điểm"))).toHaveLength(1);
    const credited = (await surveyEntries(tgMember)).filter((e) => e.reason === `survey:${surveyId}:${tgMember}`);
    expect(credited.map((e) => e.points)).toEqual([10]);
    const r = await shop.api("GET", `/v1/surveys/${surveyId}/results`);
    expect(r.body).toMatchObject({ sent: 1, completed: 1, pointsAwarded: 10 });
    const csv = await fetch(`${h.s.url}/v1/surveys/${surveyId}/results.csv`, {
      headers: { authorization: `Bearer ${shop.apiKey}` },
    });
    expect(await csv.text()).toMatch(new RegExp(`${tgMember},order,ord_\\w+,completed,`));
  });
});

describe("editing a draft survey (PUT /v1/surveys/{id})", () => {
  it("replaces a draft with the create schema; 409 survey-not-draft once sent; 404 for another merchant", async () => {
    const created = await shop.api("POST", "/v1/surveys", { name: "Nháp", questions: questions.slice(0, 1) });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const bad = await shop.api("PUT", `/v1/surveys/${id}`, { name: "", questions: [] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(JSON.stringify(bad.body)).toContain("questions");
    const unknownSeg = await shop.api("PUT", `/v1/surveys/${id}`, { name: "x", questions, segmentId: "seg_nope" });
    expect(unknownSeg.status).toBe(404);

    const seg = await shop.api("POST", "/v1/segments", { name: "edit target", rule: { all: [] } });
    const edited = await shop.api("PUT", `/v1/surveys/${id}`, {
      name: "Góp ý (sửa)",
      intro: { vi: "Chào {{firstName}}!", en: "Hi {{firstName}}!" },
      questions: questions.slice(1, 3),
      points: 20,
      segmentId: seg.body.id,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      id,
      name: "Góp ý (sửa)",
      points: 20,
      segmentId: seg.body.id,
      afterOrder: null,
    });
    expect(edited.body.questions.map((q: { type: string }) => q.type)).toEqual(["rating", "nps"]);
    const got = await shop.api("GET", `/v1/surveys/${id}`);
    expect(got.body.name).toBe("Góp ý (sửa)");

    const other = await h.s.merchant("Other shop (edit)");
    const foreign = await other.api("PUT", `/v1/surveys/${id}`, { name: "hijack", questions });
    expect(foreign.status).toBe(404);
    expect((await shop.api("GET", `/v1/surveys/${id}`)).body.name).toBe("Góp ý (sửa)");

    expect((await shop.api("POST", `/v1/surveys/${id}/send`)).status).toBe(202);
    const late = await shop.api("PUT", `/v1/surveys/${id}`, { name: "too late", questions });
    expect(late.status).toBe(409);
    expect(late.headers.get("content-type")).toContain("application/problem+json");
    expect(late.body.type).toContain("survey-not-draft");
    expect((await shop.api("GET", `/v1/surveys/${id}`)).body.name).toBe("Góp ý (sửa)");
    await deliver();
  });

  it("an after-order survey is a draft until the pass offers it; the pass never sends an edited version's old text", async () => {
    const created = await shop.api("POST", "/v1/surveys", {
      name: "Sau đơn (nháp)",
      questions: [{ type: "rating", text: { vi: "Câu cũ?" } }],
      afterOrder: { delayHours: 0 },
    });
    const id = created.body.id;
    const edited = await shop.api("PUT", `/v1/surveys/${id}`, {
      name: "Sau đơn",
      questions: [{ type: "rating", text: { vi: "Câu mới?", en: "New question?" } }],
      afterOrder: { delayHours: 0 },
    });
    expect(edited.status).toBe(200);
    h.clock.advance(60_000);
    const order = await shop.api("POST", "/v1/orders", {
      externalId: `SURVEY-EDIT-${tgMember}`,
      memberId: tgMember,
      placedAt: h.clock.now().toISOString(),
      items: [{ sku: "CF-01", quantity: 1, unitPrice: 40_000 }],
    });
    expect(order.status).toBe(201);
    h.clock.advance(60_000);
    expect(await runSurveyOrderPass(h.database.db, h.clock.now())).toBeGreaterThanOrEqual(1);
    const late = await shop.api("PUT", `/v1/surveys/${id}`, { name: "x", questions, afterOrder: null });
    expect(late.status).toBe(409);
    expect(late.body.type).toContain("survey-not-draft");
    // The queued message is the edited version (it goes out under the cap and quiet hours like any survey).
    const queued = await h.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.sourceKey, `survey:${id}`));
    expect(queued.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(queued.map((d) => d.message))).toContain("Câu mới?");
    expect(JSON.stringify(queued.map((d) => d.message))).not.toContain("Câu cũ?");
  });
});
