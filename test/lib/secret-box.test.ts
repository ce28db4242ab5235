import { describe, expect, it } from "vitest";
import { createSecretBox } from "../../src/lib/secret-box.ts";

describe("secret box", () => {
  it("round-trips, never stores the plaintext, and another key cannot open it", async () => {
    const box = createSecretBox("k".repeat(32));
    const sealed = await box.seal("shpss_topsecret");
    expect(sealed).not.toContain("topsecret");
    expect(sealed).not.toBe(await box.seal("shpss_topsecret")); // fresh IV each time
    expect(await box.open(sealed)).toBe("shpss_topsecret");
    await expect(createSecretBox("x".repeat(32)).open(sealed)).rejects.toThrow();
    await expect(box.open("plain")).rejects.toThrow(/not a sealed value/);
  });
});
