/**
 * Postgres's part of an order, alone: pgbench itself calls `cl_place_order` (a probe, then the write — what the
 * server sends for a member it has not seen yet), with no HTTP, no Node and no JSON built by the app. The payload is
 * the shape src/orders/place.ts sends (3 lines, one earn credit, the stored response naming the earn entry's
 * breakdown), built in SQL by a bench-only wrapper. Its ratio to tpcb-like is the ceiling the whole stack can reach
 * on this machine: the app and the load generator only add to it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import type { Sql } from "postgres";

const WRAPPER = `
create or replace function bench_place_one(p_merchant text, p_n int, p_key text) returns text language plpgsql as $$
declare
  mem text := (select id from bench_members where n = p_n);
  oid text := 'ord_' || p_key;
  base jsonb;
  f jsonb;
  br jsonb := '{"base": 50, "earn": 50, "tier": {"name": "Member", "multiplier": 1}, "bonus": 0, "lines": [{"sku": "SKU-152", "amount": 72000, "source": "none", "multiplier": 1}, {"sku": "SKU-497", "amount": 114000, "source": "none", "multiplier": 1}, {"sku": "SKU-336", "amount": 228000, "source": "none", "multiplier": 1}], "total": 414000, "events": [], "cashback": 0, "subscription": null}';
begin
  base := jsonb_build_object('merchantId', p_merchant, 'memberId', mem, 'externalId', p_key, 'hash', md5(p_key),
    'now', now()::text, 'placedAt', now()::text, 'windowFrom', (now() - interval '365 days')::text, 'storeId', null);
  f := cl_place_order(base)->'facts';
  return cl_place_order(base || jsonb_build_object('orderId', oid, 'channel', 'pos', 'total', 414000,
    'offerCodes', '[]'::jsonb,
    'lines', '[{"line_no":1,"sku":"SKU-152","name":null,"category":"food","quantity":1,"unit_price":72000,"discount":0},{"line_no":2,"sku":"SKU-497","name":null,"category":"coffee","quantity":2,"unit_price":57000,"discount":0},{"line_no":3,"sku":"SKU-336","name":null,"category":"food","quantity":3,"unit_price":76000,"discount":0}]'::jsonb,
    'products', '[{"sku":"SKU-152","name":null,"category":"food","price":72000},{"sku":"SKU-336","name":null,"category":"food","price":76000},{"sku":"SKU-497","name":null,"category":"coffee","price":57000}]'::jsonb,
    'audit', jsonb_build_object('actor', 'key:bench', 'action', 'POST /v1/orders', 'target', p_key, 'requestId', 'req_' || p_key),
    'expect', f, 'pointsEarned', 50, 'creditEarned', 0, 'cashback', 0,
    'credits', jsonb_build_array(jsonb_build_object('kind', 'earn', 'points', 50,
      'remaining', case when (f->>'pointsTotal')::bigint < 0 then greatest(0, 50 + (f->>'pointsTotal')::bigint) else 50 end,
      'reason', 'order ' || p_key, 'breakdown', br)),
    'availableAt', now()::text, 'expiresAt', null, 'upgradeTo', null,
    'response', jsonb_build_object('orderId', oid, 'externalId', p_key, 'total', 414000, 'pointsEarned', 50,
      'balance', (f->>'pointsTotal')::bigint + 50, 'memberId', mem, 'pending', 0, 'cashback', 0, 'tier', 'Member',
      'breakdown', 'ledger:earn')::text))->>'r';
end $$`;

/** Orders/s of `cl_place_order` driven by pgbench at `clients` connections for `seconds` (bench-only objects dropped after). */
export async function pgAloneRate(
  sql: Sql,
  url: string,
  merchantId: string,
  memberIds: string[],
  clients: number,
  seconds: number,
): Promise<number> {
  await sql.unsafe("create table bench_members (n int primary key, id text not null)");
  await sql.unsafe("insert into bench_members select ordinality, id from unnest($1::text[]) with ordinality as t(id)", [
    memberIds,
  ]);
  await sql.unsafe(WRAPPER);
  mkdirSync("bench/out", { recursive: true });
  const script = "bench/out/ledger-pg-alone.pgb";
  writeFileSync(
    script,
    `\\set n random(1, ${memberIds.length})\n\\set i random(1, 2000000000)\n` +
      `select bench_place_one('${merchantId}', :n, 'pg-' || :client_id || '-' || :i);\n`,
  );
  try {
    const out = execFileSync(
      "pgbench",
      ["-n", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script, url],
      {
        encoding: "utf8",
      },
    );
    const m = /tps = ([\d.]+)/.exec(out);
    if (!m) throw new Error(`pgbench output not understood:\n${out}`);
    return Number(m[1]);
  } finally {
    await sql.unsafe("drop function bench_place_one(text, int, text); drop table bench_members");
  }
}
