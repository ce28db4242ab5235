import { describe, expect, it } from "vitest";
import { parseZaloUpdate, zaloUpdateKey } from "../../bots/zalo/types.ts";

const message = {
  from: { id: "6ede9afa66b88fe6d6a9", display_name: "Ted", is_bot: false },
  chat: { id: "6ede9afa66b88fe6d6a9", chat_type: "PRIVATE" },
  text: "Xin chào",
  message_id: "2d758cb5e222177a4e35",
  date: 1750316131602,
};

describe("parseZaloUpdate", () => {
  it("accepts the documented wrapped shape", () => {
    const u = parseZaloUpdate({ ok: true, result: { message, event_name: "message.text.received" } });
    expect(u).toEqual({ kind: "text", event_name: "message.text.received", message });
    expect(u && zaloUpdateKey(u)).toBe("message.text.received:2d758cb5e222177a4e35");
  });

  it("accepts the unwrapped shape", () => {
    const u = parseZaloUpdate({ event_name: "message.text.received", message });
    expect(u?.kind).toBe("text");
    expect(u?.message?.date).toBe(1750316131602); // epoch ms kept as is
    expect(u?.message?.from.display_name).toBe("Ted");
  });

  it("parses image and sticker events", () => {
    const { text: _t, ...noText } = message;
    const img = parseZaloUpdate({
      event_name: "message.image.received",
      message: { ...noText, photo_url: "https://i/x.jpg", caption: "c" },
    });
    expect(img).toMatchObject({ kind: "image", photoUrl: "https://i/x.jpg" });
    const img2 = parseZaloUpdate({
      event_name: "message.image.received",
      message: { ...noText, photo: "https://i/y.jpg" },
    });
    expect(img2).toMatchObject({ kind: "image", photoUrl: "https://i/y.jpg" });
    const st = parseZaloUpdate({
      ok: true,
      result: { event_name: "message.sticker.received", message: { ...noText, sticker: "abc" } },
    });
    expect(st).toMatchObject({ kind: "sticker", message: { sticker: "abc" } });
  });

  it("turns unknown event names and unsupported messages into the unsupported variant", () => {
    expect(parseZaloUpdate({ event_name: "message.unsupported.received", message })).toMatchObject({
      kind: "unsupported",
      event_name: "message.unsupported.received",
      message: { message_id: message.message_id },
    });
    expect(parseZaloUpdate({ event_name: "user.follow", follower: { id: "x" } })).toEqual({
      kind: "unsupported",
      event_name: "user.follow",
      message: undefined,
    });
    const { text: _t, ...noText } = message;
    expect(parseZaloUpdate({ event_name: "message.text.received", message: noText })?.kind).toBe("unsupported");
  });

  it("normalises numeric ids to strings and tolerates extra fields", () => {
    const u = parseZaloUpdate({
      event_name: "message.text.received",
      message: {
        ...message,
        from: { id: 123, is_bot: false, avatar: "a" },
        chat: { id: 123 },
        message_id: 9,
        extra: 1,
      },
    });
    expect(u?.message?.from.id).toBe("123");
    expect(u?.message?.chat.id).toBe("123");
    expect(u?.message?.message_id).toBe("9");
  });

  it("returns null for non-updates and known events without a valid message", () => {
    expect(parseZaloUpdate(null)).toBeNull();
    expect(parseZaloUpdate("text")).toBeNull();
    expect(parseZaloUpdate({})).toBeNull();
    expect(parseZaloUpdate({ ok: true, result: { foo: 1 } })).toBeNull();
    expect(parseZaloUpdate({ event_name: "message.text.received" })).toBeNull();
    expect(parseZaloUpdate({ event_name: "message.text.received", message: { text: "x" } })).toBeNull();
  });
});
