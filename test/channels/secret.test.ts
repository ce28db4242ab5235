import { describe, expect, it } from "vitest";
import { timingSafeEqualString } from "../../src/channels/secret.ts";

describe("timingSafeEqualString", () => {
  it("compares UTF-8 strings", () => {
    expect(timingSafeEqualString("s3cret-token", "s3cret-token")).toBe(true);
    expect(timingSafeEqualString("s3cret-token", "s3cret-tokeN")).toBe(false);
    expect(timingSafeEqualString("s3cret-token", "s3cret-toke")).toBe(false);
    expect(timingSafeEqualString("s3cret", "s3cret-token")).toBe(false);
    expect(timingSafeEqualString("mật-khẩu", "mật-khẩu")).toBe(true);
    expect(timingSafeEqualString("mật-khẩu", "mat-khau")).toBe(false);
    expect(timingSafeEqualString("", "")).toBe(true);
    expect(timingSafeEqualString("abc", "")).toBe(false);
    expect(timingSafeEqualString("", "abc")).toBe(false);
  });

  it("is false for missing values", () => {
    expect(timingSafeEqualString("abc", undefined)).toBe(false);
    expect(timingSafeEqualString(undefined, "abc")).toBe(false);
    expect(timingSafeEqualString(null, null)).toBe(false);
  });
});
