/** Free-text answers with AI SDK mock models: tools scoped to the member, validation, refusals, claims, budgets. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createConversation } from "../../bots/core/conversation.ts";
import { Btn } from "../../bots/core/intents.ts";
import { createLinkCode } from "../../src/links/service.ts";
import { createAssistant } from "../../src/llm/assistant.ts";
import { createLlm, type Llm, type LlmOptions } from "../../src/llm/llm.ts";
import { REFUSAL } from "../../src/llm/tools.ts";
import { llmSettings } from "../../src/llm/usage.ts";
import { memberBalance } from "../../src/ledger/ledger.ts";
import { findMember } from "../../src/members/service.ts";
import { silentLogger } from "../../src/lib/log.ts";
import {
  assistantInput,
  captureLogger,
  hangingModel,
  ledgerSnapshot,
  llmLines,
  OTHER_PHONE,
  scriptedModel,
  startLlmShop,
  textResult,
  toolCallResult,
  toolOutputs,
  type LlmShop,
} from "./helpers.ts";

let shop: LlmShop;
beforeAll(async () => {
  shop = await startLlmShop();
});
afterAll(async () => {
  await shop?.close();
});
beforeEach(async () => {
  await shop.db.execute(sql`delete from llm_usage`);
  await llmSettings.put(shop.db, shop.merchantId, llmSettings.defaults);
});

const llmWith = (model: LlmOptions["model"], extra: LlmOptions = {}): Llm =>
  createLlm({} as never, { model, ...extra })!;

describe("assistant", () => {
  it("without a model: undefined (the keyword intents answer)", async () => {
    const logger = captureLogger();
    expect(
      await createAssistant(undefined)(assistantInput(shop, "tôi có bao nhiêu điểm?", { logger })),
    ).toBeUndefined();
    expect(llmLines(logger.lines)).toEqual([
      expect.objectContaining({ task: "answer", llmPath: "template", reason: "no-model" }),
    ]);
  });

  it("happy path: calls the member's tools and answers with their figures", async () => {
    const model = scriptedModel(
      toolCallResult({ name: "get_balance" }, { name: "get_expiring_points" }, { name: "get_tier_progress" }),
      (options) => {
        const outs = Object.fromEntries(toolOutputs(options).map((o) => [o.toolName, o.output as Record<string, any>]));
        const b = outs.get_balance!,
          e = outs.get_expiring_points!,
          t = outs.get_tier_progress!;
        return textResult(
          `Dạ, bạn có **${b.balance} điểm**, hạng ${t.tier}. ${e.points} điểm sẽ hết hạn ngày ${e.firstExpiry}. Chi tiêu thêm ${t.nextTier.spendNeeded} để lên hạng ${t.nextTier.name} nhé!`,
        );
      },
    );
    const logger = captureLogger();
    const reply = await createAssistant(llmWith(model))(assistantInput(shop, "điểm của tôi thế nào?", { logger }));
    expect(reply).toEqual([
      {
        text: "Dạ, bạn có 150 điểm, hạng Bạc. 150 điểm sẽ hết hạn ngày 10/12/2026. Chi tiêu thêm 500.000 ₫ để lên hạng Vàng nhé!",
      },
    ]);
    // Tools take no member argument; the system prompt carries the first name only.
    const tools = model.doGenerateCalls[0]!.tools!;
    expect(tools.map((t) => t.name).sort()).toEqual([
      "explain_order_points",
      "get_balance",
      "get_expiring_points",
      "get_history",
      "get_tier_progress",
      "list_offers",
      "list_rewards",
      "list_vouchers",
      "prepare_claim",
    ]);
    for (const t of tools) expect(JSON.stringify(t)).not.toMatch(/member_?id|phone/i);
    const sys = model.doGenerateCalls[0]!.prompt[0]!;
    expect(JSON.stringify(sys)).toContain("Hoa");
    expect(JSON.stringify(sys)).not.toContain("Nguyễn");
    expect(JSON.stringify(sys)).not.toContain("0912345678");
    expect(llmLines(logger.lines)).toEqual([
      expect.objectContaining({
        task: "answer",
        llmPath: "model",
        reason: "model",
        tools: ["get_balance", "get_expiring_points", "get_tier_progress"],
      }),
    ]);
    const usage = (await shop.api("GET", "/v1/llm/usage")).body;
    expect(usage.days).toEqual([
      expect.objectContaining({ task: "answer", calls: 1, modelReplies: 1, inputTokens: 320, outputTokens: 50 }),
    ]);
    expect(usage.topMembersToday).toEqual([{ memberId: shop.member.id, tokens: 370, calls: 1 }]);
  });

  it("answers in English from English tool results", async () => {
    const model = scriptedModel(toolCallResult({ name: "list_rewards" }), (o) => {
      const r = toolOutputs(o)[0]!.output as { balance: string; rewards: { name: string; cost: string }[] };
      return textResult(
        `You have ${r.balance} points. You can redeem ${r.rewards[0]!.name} for ${r.rewards[0]!.cost}.`,
      );
    });
    const reply = await createAssistant(llmWith(model))(assistantInput(shop, "what can I get?", { lang: "en" }));
    expect(reply).toEqual([{ text: "You have 150 points. You can redeem Cà phê sữa đá for 30 points." }]);
  });

  it("why N points: the tool gives the order's stored breakdown; another member's order is not found", async () => {
    const model = scriptedModel(
      toolCallResult({ name: "explain_order_points", args: { externalId: "POS-1" } }),
      (o) => {
        const r = toolOutputs(o)[0]!.output as Record<string, any>;
        expect(r).toMatchObject({ found: true, order: "POS-1", total: "1.500.000 ₫", pointsEarned: "150" });
        return textResult(`Dạ, đơn ${r.order} trị giá ${r.total} được ${r.pointsEarned} điểm ạ.`);
      },
    );
    const reply = await createAssistant(llmWith(model))(assistantInput(shop, "sao đơn POS-1 được 150 điểm?"));
    expect(reply).toEqual([{ text: "Dạ, đơn POS-1 trị giá 1.500.000 ₫ được 150 điểm ạ." }]);
    // Emily's order is not Hoa's: the tool does not find it (no figures of another member reach the model).
    const other = scriptedModel(
      toolCallResult({ name: "explain_order_points", args: { externalId: "POS-2" } }),
      (o) => {
        expect(toolOutputs(o)[0]!.output).toEqual({ found: false });
        return textResult("Dạ, mình không thấy đơn đó trong tài khoản của bạn ạ.");
      },
    );
    expect(await createAssistant(llmWith(other))(assistantInput(shop, "why POS-2?"))).toEqual([
      { text: "Dạ, mình không thấy đơn đó trong tài khoản của bạn ạ." },
    ]);
    // The history tool says what each entry was for: its order and amount.
    const hist = scriptedModel(toolCallResult({ name: "get_history" }), (o) => {
      const r = toolOutputs(o)[0]!.output as { entries: Record<string, unknown>[] };
      expect(r.entries).toContainEqual(
        expect.objectContaining({ kind: "earn", points: "+150", order: "POS-1", orderTotal: "1.500.000 ₫" }),
      );
      return textResult("Dạ, đơn POS-1 cho bạn +150 điểm ạ.");
    });
    expect(await createAssistant(llmWith(hist))(assistantInput(shop, "lịch sử điểm?"))).toEqual([
      { text: "Dạ, đơn POS-1 cho bạn +150 điểm ạ." },
    ]);
    // A made-up figure about the order is rejected like any other.
    const liar = scriptedModel(
      toolCallResult({ name: "explain_order_points" }),
      textResult("Dạ, đơn POS-1 được 999 điểm ạ."),
    );
    expect(await createAssistant(llmWith(liar))(assistantInput(shop, "sao được điểm?"))).toBeUndefined();
  });

  it("a model that invents a number is rejected → keyword path", async () => {
    const model = scriptedModel(toolCallResult({ name: "get_balance" }), textResult("Dạ, bạn có 1.150 điểm ạ."));
    const logger = captureLogger();
    expect(await createAssistant(llmWith(model))(assistantInput(shop, "điểm?", { logger }))).toBeUndefined();
    expect(llmLines(logger.lines)).toEqual([
      expect.objectContaining({ llmPath: "template", reason: "rejected:unknown-figure", detail: "1 figure(s)" }),
    ]);
  });

  it("numbers without a tool call are rejected; a plain polite answer is fine", async () => {
    expect(
      await createAssistant(llmWith(scriptedModel(textResult("Bạn có 150 điểm."))))(assistantInput(shop, "điểm?")),
    ).toBeUndefined();
    expect(
      await createAssistant(llmWith(scriptedModel(textResult("Dạ, mình chỉ hỗ trợ về điểm, quà và ưu đãi thôi ạ."))))(
        assistantInput(shop, "thời tiết?"),
      ),
    ).toEqual([{ text: "Dạ, mình chỉ hỗ trợ về điểm, quà và ưu đãi thôi ạ." }]);
  });

  it("claims of having changed points are rejected", async () => {
    for (const text of [
      "Dạ, mình đã cộng điểm cho bạn rồi ạ!",
      "Done! Your points have been added.",
      "I added the points you asked for.",
    ]) {
      expect(
        await createAssistant(llmWith(scriptedModel(textResult(text))))(
          assistantInput(shop, "cộng điểm đi", { lang: /Dạ/.test(text) ? "vi" : "en" }),
        ),
        text,
      ).toBeUndefined();
    }
  });

  it("a model that times out → keyword path within the budget", async () => {
    const logger = captureLogger();
    const started = Date.now();
    expect(
      await createAssistant(llmWith(hangingModel(), { answerTimeoutMs: 150 }))(
        assistantInput(shop, "điểm?", { logger }),
      ),
    ).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(llmLines(logger.lines)).toEqual([expect.objectContaining({ llmPath: "template", reason: "timeout" })]);
  });

  it("a model that calls a tool for another member is refused, and nothing of theirs comes out", async () => {
    const before = await ledgerSnapshot(shop.db);
    const model = scriptedModel(
      toolCallResult(
        { name: "get_balance", args: { memberId: shop.other.id } },
        { name: "get_history", args: { phone: "+84987654321", limit: 5 } },
        { name: "get_points_of", args: { phone: OTHER_PHONE } },
      ),
      (options) => {
        const outs = toolOutputs(options);
        expect(outs.filter((o) => o.toolName !== "get_points_of").map((o) => o.output)).toEqual([REFUSAL, REFUSAL]);
        return textResult("Dạ, mình chỉ xem được thông tin của chính bạn thôi ạ. Emily Carter có 4.321 điểm.");
      },
    );
    const logger = captureLogger();
    const reply = await createAssistant(llmWith(model))(
      assistantInput(shop, `cho mình xem điểm của số ${OTHER_PHONE}`, { logger }),
    );
    expect(reply).toBeUndefined();
    expect(logger.lines.filter((l) => l.msg.startsWith("llm tool call refused")).map((l) => l.fields)).toEqual([
      expect.objectContaining({ tool: "get_balance", keys: ["memberId"] }),
      expect.objectContaining({ tool: "get_history", keys: ["phone"] }),
    ]);
    expect(llmLines(logger.lines)).toEqual([
      expect.objectContaining({ llmPath: "template", refused: 2, reason: "rejected:unknown-figure" }),
    ]);
    // A refusal without the other member's data is a fine answer.
    const polite = scriptedModel(
      toolCallResult({ name: "get_balance", args: { memberId: shop.other.id } }),
      textResult("Dạ, mình chỉ xem được thông tin của chính bạn thôi ạ."),
    );
    expect(await createAssistant(llmWith(polite))(assistantInput(shop, "điểm của Emily?"))).toEqual([
      { text: "Dạ, mình chỉ xem được thông tin của chính bạn thôi ạ." },
    ]);
    expect(await ledgerSnapshot(shop.db)).toBe(before);
  });

  it("unlinked chats and other merchants' members get nothing from the model", async () => {
    const model = scriptedModel(textResult("Xin chào"));
    const a = createAssistant(llmWith(model));
    expect(await a(assistantInput(shop, "điểm?", { member: undefined }))).toBeUndefined();
    expect(await a(assistantInput(shop, "điểm?", { merchantId: "mer_other" }))).toBeUndefined();
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it("very long input and emoji floods skip the model", async () => {
    const model = scriptedModel(textResult("Xin chào"));
    const a = createAssistant(llmWith(model));
    expect(await a(assistantInput(shop, "điểm ".repeat(500)))).toBeUndefined();
    expect(await a(assistantInput(shop, "🔥".repeat(300)))).toBeUndefined();
    expect(await a(assistantInput(shop, "🔥🎉😀".repeat(30) + " ok"))).toBeUndefined();
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it("the per-member daily budget: over it, no model call", async () => {
    await shop.api("PUT", "/v1/llm/settings", { memberDailyTokens: 100 });
    const model = scriptedModel(textResult("Dạ, mình giúp gì được cho bạn ạ?"));
    const a = createAssistant(llmWith(model));
    expect(await a(assistantInput(shop, "chào"))).toEqual([{ text: "Dạ, mình giúp gì được cho bạn ạ?" }]);
    const logger = captureLogger();
    expect(await a(assistantInput(shop, "chào", { logger }))).toBeUndefined();
    expect(llmLines(logger.lines)).toEqual([expect.objectContaining({ reason: "budget-member" })]);
    // Another member still has budget.
    expect(await a(assistantInput(shop, "chào", { member: shop.other }))).toEqual([
      { text: "Dạ, mình giúp gì được cho bạn ạ?" },
    ]);
    expect(model.doGenerateCalls).toHaveLength(2);
  });

  it("prepare_claim only returns a confirm button; the member's press (chat core) redeems once", async () => {
    const before = await ledgerSnapshot(shop.db);
    const model = scriptedModel(
      toolCallResult({ name: "prepare_claim", args: { rewardName: "cà phê sữa đá" } }),
      (o) => {
        const r = toolOutputs(o)[0]!.output as { status: string; reward: string; cost: string; balanceAfter: string };
        expect(r.status).toBe("needs-confirmation");
        return textResult(
          `Dạ, bạn bấm Xác nhận để đổi ${r.reward} (${r.cost}), sau đó còn ${r.balanceAfter} điểm nhé.`,
        );
      },
    );
    const assistant = createAssistant(llmWith(model), {
      actions: { confirmRedeem: Btn.redeemConfirm, cancel: Btn.cancel, claimOffer: Btn.offerClaim },
    });
    const conv = createConversation({
      db: shop.db,
      clock: shop.s.clock,
      logger: silentLogger,
      config: { DEFAULT_MERCHANT_ID: shop.merchantId },
      assistant,
    });
    const chat = { channel: "web" as const, userId: "web-claim", chatId: "web-claim" };
    const { code } = await createLinkCode(shop.db, shop.merchantId, shop.member.id, shop.s.clock.now());
    await conv.handle({ ...chat, text: `/start ${code}` });
    const linked = await ledgerSnapshot(shop.db);

    const [reply] = await conv.handle({ ...chat, text: "đổi cho mình ly cà phê sữa đá" });
    expect(reply!.text).toBe("Dạ, bạn bấm Xác nhận để đổi Cà phê sữa đá (30 điểm), sau đó còn 120 điểm nhé.");
    const confirm = reply!.buttons![0]![0]!;
    expect(confirm.data).toMatch(new RegExp(`^rc:${shop.rewards.coffee}:[a-z0-9]+$`));
    expect(reply!.buttons![0]![1]!.data).toBe(Btn.cancel);
    expect(await ledgerSnapshot(shop.db)).toBe(linked);
    expect(JSON.parse(linked).entries).toEqual(JSON.parse(before).entries);

    const [done] = await conv.handle({ ...chat, button: confirm.data });
    expect(done!.text).toContain("Cà phê sữa đá");
    expect(done!.text).toContain("120");
    await conv.handle({ ...chat, button: confirm.data });
    const fresh = (await findMember(shop.db, shop.merchantId, shop.member.id))!;
    expect((await memberBalance(shop.db, fresh, shop.s.clock.now())).balance).toBe(120);
    expect(JSON.parse(await ledgerSnapshot(shop.db)).redemptions).toHaveLength(1);
  });

  it("prepare_claim refuses what the member can't afford; a rejected text with a prepared claim falls back to the confirm template", async () => {
    const poor = scriptedModel(toolCallResult({ name: "prepare_claim", args: { rewardId: shop.rewards.cup } }), (o) => {
      expect(toolOutputs(o)[0]!.output).toMatchObject({ status: "not-enough-points", cost: "500 điểm" });
      return textResult("Dạ, Ly giữ nhiệt cần 500 điểm, bạn chưa đủ điểm ạ.");
    });
    expect(await createAssistant(llmWith(poor))(assistantInput(shop, "đổi ly giữ nhiệt"))).toEqual([
      { text: "Dạ, Ly giữ nhiệt cần 500 điểm, bạn chưa đủ điểm ạ." },
    ]);

    const sloppy = scriptedModel(
      toolCallResult({ name: "prepare_claim", args: { rewardId: shop.rewards.voucher } }),
      textResult("Xong! Voucher 50.000 ₫ của bạn giá 99 điểm."),
    );
    const [m] = (await createAssistant(llmWith(sloppy))(assistantInput(shop, "đổi voucher")))!;
    expect(m!.text).toMatch(/^Dạ, bạn xác nhận đổi "Voucher 50.000 ₫" với 80 điểm\? Sau khi đổi bạn còn \d+ điểm\.$/);
    expect(m!.buttons![0]![0]!.data).toMatch(/^rc:/);
  });
});
