import { describe, expect, it } from "vitest";
import { canonicalJson, secretEquals, sha256Hex } from "../../src/lib/crypto.ts";

describe("secrets and hashing", () => {
  it("secretEquals is true only for the identical secret", async () => {
    expect(await secretEquals("s3cret-token_1", "s3cret-token_1")).toBe(true);
    expect(await secretEquals("s3cret-token_2", "s3cret-token_1")).toBe(false);
    expect(await secretEquals("s3cret-token", "s3cret-token_1")).toBe(false);
    expect(await secretEquals("", "x")).toBe(false);
    expect(await secretEquals("mật-khẩu", "mật-khẩu")).toBe(true);
    expect(await secretEquals("mat-khau", "mật-khẩu")).toBe(false);
  });
  it("canonical JSON ignores key order and undefined", async () => {
    expect(canonicalJson({ b: 1, a: [2, { d: undefined, c: 3 }] })).toBe('{"a":[2,{"c":3}],"b":1}');
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
