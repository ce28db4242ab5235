import { describe, expect, it } from "vitest";
import { normalizePhone } from "../../src/members/phone.ts";

describe("normalizePhone", () => {
  it.each([
    ["0912345678", "+84912345678"],
    ["0912 345 678", "+84912345678"],
    ["091-234-5678", "+84912345678"],
    ["84912345678", "+84912345678"],
    ["+84912345678", "+84912345678"],
    ["+84 0912345678", "+84912345678"],
    ["0084912345678", "+84912345678"],
    ["+6591234567", "+6591234567"],
    ["(028) 3823 4567", "+842838234567"],
  ])("%s → %s", (input, out) => expect(normalizePhone(input)).toBe(out));

  it.each(["", "abc", "12345", "+0123456789", "09123", "+84 91x"])("rejects %j", (input) =>
    expect(normalizePhone(input)).toBeUndefined(),
  );
});
