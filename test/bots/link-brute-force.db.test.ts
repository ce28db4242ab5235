/**
 * Link-code brute force through the public simulator: a fresh client id per guess must not reset the limits.
 * Limits are kept in the database per IP (X-Forwarded-For trusted here), per code and globally (small numbers
 * via config so the test is quick); the simulator itself is rate-limited per IP, with the socket address trusted
 * by default (a spoofed X-Forwarded-For changes nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFor } from "../../src/messages/index.ts";
import { linkCode, setupShop, startBotHarness, type BotHarness, type Shop } from "./harness.ts";

const vi = copyFor("vi");
const TOO_MANY = vi.linkTooManyAttempts();
const HOUR = 3_600_000;

let n = 0;
const newClient = () => `brute-client-${(n++).toString().padStart(8, "0")}`;

async function sim(h: BotHarness, text: string, ip?: string, clientId = newClient()) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (ip) headers["x-forwarded-for"] = `203.0.113.250, ${ip}`;
  const r = await fetch(`${h.s.url}/simulator/api/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({ clientId, text }),
  });
  const body = (await r.json()) as { messages?: { text: string }[] };
  return { status: r.status, headers: r.headers, text: body.messages?.map((m) => m.text).join("\n") ?? "" };
}

/** A wrong code of the right shape (issued codes never contain O, I, L, 0, 1, 2, 5 or 8). */
const guess = (i: number) => `/start WRONG${i.toString().padStart(5, "0")}`;

describe("link-code limits across client ids and IPs", () => {
  let h: BotHarness;
  let shop: Shop;
  beforeAll(async () => {
    h = await startBotHarness({
      env: {
        TELEGRAM_BOT_TOKEN: "",
        ZALO_BOT_TOKEN: "",
        TRUST_PROXY: "x-forwarded-for",
        LINK_ATTEMPTS_PER_IP_HOUR: "5",
        LINK_ATTEMPTS_PER_CODE_HOUR: "3",
        LINK_ATTEMPTS_GLOBAL_HOUR: "30",
        SIMULATOR_RATE_PER_MINUTE: "10000",
      },
    });
    shop = await setupShop(h.s);
  });
  afterAll(async () => h?.close());

  it("per IP: five wrong codes from one IP with five client ids block the sixth, even a valid code", async () => {
    for (let i = 0; i < 5; i++) expect((await sim(h, guess(i), "198.51.100.1")).text).not.toContain(TOO_MANY);
    const code = await linkCode(shop);
    expect((await sim(h, `/start ${code}`, "198.51.100.1")).text).toContain(TOO_MANY);
    // The code was not used up: another IP links with it.
    expect((await sim(h, `/start ${code}`, "198.51.100.2")).text).toContain("Hoa");
  });

  it("globally: thirty wrong codes from thirty IPs block everyone for the hour, then it opens again", async () => {
    h.clock.advance(HOUR);
    for (let i = 0; i < 30; i++)
      expect((await sim(h, guess(100 + i), `198.51.101.${i + 1}`)).text).not.toContain(TOO_MANY);
    const code = await linkCode(shop);
    expect((await sim(h, `/start ${code}`, "198.51.102.1")).text).toContain(TOO_MANY);
    h.clock.advance(HOUR);
    expect((await sim(h, `/start ${code}`, "198.51.102.1")).text).toContain("Hoa");
  });

  it("per code: the same code tried from three IPs blocks the fourth try", async () => {
    h.clock.advance(HOUR);
    for (let i = 0; i < 3; i++) expect((await sim(h, guess(999), `198.51.103.${i + 1}`)).text).not.toContain(TOO_MANY);
    expect((await sim(h, guess(999), "198.51.103.9")).text).toContain(TOO_MANY);
  });
});

describe("simulator rate limit per IP (socket address; X-Forwarded-For not trusted by default)", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness({ env: { TELEGRAM_BOT_TOKEN: "", ZALO_BOT_TOKEN: "", SIMULATOR_RATE_PER_MINUTE: "5" } });
    await setupShop(h.s);
  });
  afterAll(async () => h?.close());

  it("answers 429 with Retry-After past the limit whatever the client id or forwarded address", async () => {
    for (let i = 0; i < 5; i++) expect((await sim(h, "/help", `192.0.2.${i + 1}`)).status).toBe(200);
    const r = await sim(h, "/help", "192.0.2.77");
    expect(r.status).toBe(429);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    h.clock.advance(60_000);
    expect((await sim(h, "/help")).status).toBe(200);
  });
});
