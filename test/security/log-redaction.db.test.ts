/**
 * Personal data never reaches the logs: phone numbers, names and birthdays planted in requests — including
 * requests whose queries fail (a column renamed under the running app) — are searched for in every captured log
 * line. A 500 carries the request id in its problem body, and the same id is in the log line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createLogger } from "../../src/lib/log.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const lines: string[] = [];
let s: TestServer;

const PHONE = "0987654321";
const PHONE_DIGITS = "987654321";
const NAME = "Trần Thị Bích Ngọc";
const BIRTHDAY = "1991-07-23";

beforeAll(async () => {
  s = await startTestServer({ logger: createLogger("debug", { service: "test" }, (l) => lines.push(l)) });
});
afterAll(async () => s?.close());

describe("log redaction", () => {
  it("keeps phones, names and birthdays out of every log line, also from failed queries", async () => {
    const { api } = await s.merchant();
    const ok = await api("POST", "/v1/members", { phone: PHONE, name: NAME, birthday: BIRTHDAY });
    expect(ok.status).toBe(201);
    expect((await api("POST", "/v1/members", { phone: PHONE, name: NAME })).status).toBe(409);
    await api("GET", `/v1/members?phone=${PHONE}`);

    // Break the table under the app: the insert fails in the driver with the phone, name and birthday as parameters.
    await s.database.db.execute(sql`alter table members rename column birthday to birthday_gone`);
    try {
      const failed = await api("POST", "/v1/members", { phone: "+84 912 000 777", name: NAME, birthday: BIRTHDAY });
      expect(failed.status).toBe(500);
      const requestId = failed.headers.get("x-request-id");
      expect(requestId).toMatch(/^req_/);
      expect(failed.body.requestId).toBe(requestId);
      const logged = lines.filter((l) => l.includes(requestId!) && l.includes("unhandled error"));
      expect(logged).toHaveLength(1);
      // The failure is still diagnosable: the SQL text stays, only the values go.
      expect(logged[0]).toContain("members");
    } finally {
      await s.database.db.execute(sql`alter table members rename column birthday_gone to birthday`);
    }

    const all = lines.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const planted of [PHONE_DIGITS, "912 000 777", "912000777", NAME, "Bích Ngọc", BIRTHDAY])
      expect(all).not.toContain(planted);
  });

  it("redacts tokens and keys in messages and fields", () => {
    const out: string[] = [];
    const log = createLogger("info", {}, (l) => out.push(l));
    const apiKey = "ck_live_abcdefghjkmnpqrstvwxyz0123456";
    log.error(`bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw failed with ${apiKey}`, {
      authorization: `Bearer ${apiKey}`,
      phone: "+84901234567",
    });
    const line = out.join("\n");
    for (const secret of ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", apiKey, "901234567"])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({ level: "error", authorization: "[redacted]", phone: "[redacted]" });
  });
});
