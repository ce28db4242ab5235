/** Telegram Mini App initData validation against a hash computed the documented way with a test bot token. */
import { describe, expect, it } from "vitest";
import { validateInitData } from "../../src/cards/init-data.ts";
import { signedInitData } from "./helpers.ts";

const TOKEN = "7000000001:AAtest-token_for-card-tests";
const now = Date.parse("2026-11-20T03:00:00Z");
const nowS = now / 1000;

describe("validateInitData", () => {
  it("accepts data signed with the bot token and returns the user", () => {
    const r = validateInitData(signedInitData(TOKEN, { id: 4242 }, nowS - 60), TOKEN, now, 3600);
    expect(r).toMatchObject({ ok: true, user: { id: 4242 }, authDate: nowS - 60 });
  });

  it("accepts extra fields (they are part of the data-check-string)", () => {
    const data = signedInitData(TOKEN, { id: 1 }, nowS, { chat_type: "private", signature: "abc" });
    expect(validateInitData(data, TOKEN, now, 3600).ok).toBe(true);
  });

  it("refuses a forged hash, a changed field, another bot's token", () => {
    const good = signedInitData(TOKEN, { id: 4242 }, nowS);
    const forged = good.replace(/hash=[0-9a-f]{8}/, "hash=00000000");
    expect(validateInitData(forged, TOKEN, now, 3600)).toEqual({ ok: false, reason: "bad-hash" });
    const otherUser = good.replace(
      encodeURIComponent('"id":4242').replaceAll("%20", "+"),
      encodeURIComponent('"id":1'),
    );
    expect(otherUser).not.toBe(good);
    expect(validateInitData(otherUser, TOKEN, now, 3600)).toEqual({ ok: false, reason: "bad-hash" });
    expect(validateInitData(good, "7000000002:other", now, 3600)).toEqual({ ok: false, reason: "bad-hash" });
    expect(validateInitData(good.replace(/&?hash=[0-9a-f]+/, ""), TOKEN, now, 3600)).toEqual({
      ok: false,
      reason: "bad-hash",
    });
  });

  it("refuses a stale auth_date (older than the limit), accepts one just inside it", () => {
    expect(validateInitData(signedInitData(TOKEN, { id: 1 }, nowS - 3601), TOKEN, now, 3600)).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(validateInitData(signedInitData(TOKEN, { id: 1 }, nowS - 3599), TOKEN, now, 3600).ok).toBe(true);
    expect(validateInitData(signedInitData(TOKEN, { id: 1 }, nowS - 120), TOKEN, now, 60)).toEqual({
      ok: false,
      reason: "stale",
    });
  });

  it("missing or empty initData", () => {
    expect(validateInitData(undefined, TOKEN, now, 3600)).toEqual({ ok: false, reason: "missing" });
    expect(validateInitData("  ", TOKEN, now, 3600)).toEqual({ ok: false, reason: "missing" });
  });
});
