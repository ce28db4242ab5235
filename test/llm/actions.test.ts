/** The assistant's default button data is what the chat core parses (so wiring without `actions` stays right). */
import { describe, expect, it } from "vitest";
import { Btn, parseButton } from "../../bots/core/intents.ts";
import { DEFAULT_CLAIM_ACTIONS } from "../../src/llm/tools.ts";

describe("claim actions", () => {
  it("match bots/core Btn and parse back to the intents", () => {
    expect(DEFAULT_CLAIM_ACTIONS.confirmRedeem("rwd_abc", "k3n9x2")).toBe(Btn.redeemConfirm("rwd_abc", "k3n9x2"));
    expect(DEFAULT_CLAIM_ACTIONS.cancel).toBe(Btn.cancel);
    expect(DEFAULT_CLAIM_ACTIONS.claimOffer("off_1")).toBe(Btn.offerClaim("off_1"));
    expect(parseButton(DEFAULT_CLAIM_ACTIONS.confirmRedeem("rwd_abc", "k3n9x2"))).toEqual({
      kind: "redeemConfirm",
      rewardId: "rwd_abc",
      nonce: "k3n9x2",
    });
    expect(parseButton(DEFAULT_CLAIM_ACTIONS.claimOffer("off_1"))).toEqual({ kind: "offerClaim", offerId: "off_1" });
  });
});
