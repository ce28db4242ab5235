/**
 * A campaign's console page filters its KPIs by store (`?store=`, the API's `GET /v1/campaigns/{id}?storeId=`): the
 * filter form with the store selected, the KPIs counting only that store's orders, and the polling URL keeping it.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { addMember, addOrder } from "../segments/fixtures.ts";
import { consoleHttp } from "./http.ts";

let s: TestServer;
let http: ReturnType<typeof consoleHttp>;

beforeAll(async () => {
  s = await startTestServer();
  http = consoleHttp(s);
}, 60_000);
afterAll(async () => {
  await s?.close();
});

const DAY = 86_400_000;
/** The value of the KPI card labelled `label` on the page. */
const kpiValue = (html: string, label: string) =>
  new RegExp(`${label}</div><div class="v">([^<]*)</div>`).exec(html)?.[1];

describe("console: a campaign's KPIs by store", () => {
  it("?store= limits the KPIs' orders to the store and keeps it in the polling URL; an unknown store shows all", async () => {
    const m = await s.merchant();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++)
      ids.push(
        await addMember(
          s.database.db,
          m.merchantId,
          { optedIn: true, channels: [{ channel: "telegram" }] },
          new Date(),
        ),
      );
    const seg = (await m.api("POST", "/v1/segments", { name: "everyone", rule: { all: [] } })).body.id;
    const q1 = (await m.api("POST", "/v1/stores", { code: "Q1", name: "Quận 1" })).body.id as string;
    const c = await m.api("POST", "/v1/campaigns", { name: "Back", segmentId: seg, message: { vi: "Chào" } });
    expect((await m.api("POST", `/v1/campaigns/${c.body.id}/send`)).status).toBe(202);
    // Delivered (as the worker would have): then one order at Q1 and one elsewhere, both inside the window.
    await s.database.db.execute(
      sql`update deliveries set status = 'sent', sent_at = ${s.clock.now().toISOString()}::timestamptz where campaign_id = ${c.body.id}`,
    );
    const at = new Date(s.clock.now().getTime() + DAY);
    await addOrder(s.database.db, m.merchantId, ids[0]!, { at, total: 100_000, storeId: q1 });
    await addOrder(s.database.db, m.merchantId, ids[1]!, { at, total: 30_000 });
    s.clock.advance(2 * DAY);

    const cookie = await http.signIn(m.apiKey);
    const all = await (await http.get(`/console/campaigns/${c.body.id}`, cookie)).text();
    expect(all).toContain('id="store-filter"');
    expect(all).toContain(`action="/console/campaigns/${c.body.id}"`);
    const atQ1 = await (await http.get(`/console/campaigns/${c.body.id}?store=${q1}`, cookie)).text();
    expect(atQ1).toContain(`<option value="${q1}" selected="">`);
    expect(kpiValue(all, "Đơn hàng")).toBe("2");
    expect(kpiValue(atQ1, "Đơn hàng")).toBe("1");
    const polled = await (await http.get(`/console/campaigns/${c.body.id}/progress?store=${q1}`, cookie)).text();
    expect(kpiValue(polled, "Đơn hàng")).toBe("1");
    const other = await (await http.get(`/console/campaigns/${c.body.id}?store=sto_nope`, cookie)).text();
    expect(kpiValue(other, "Đơn hàng")).toBe("2");
  });
});
