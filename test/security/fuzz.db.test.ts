/**
 * The fuzz suite (issue 16): every operation of `GET /v1/openapi.json` and both webhooks get schema-shaped requests
 * with hostile values mixed in. Asserted: no 5xx ever, and a rejected (4xx) request leaves every table as it was.
 * FUZZ_RUNS (default 40 per operation) raises the count; FUZZ_SEED replays a run.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotHarness, type Shop, setupShop, startBotHarness, TG_SECRET } from "../bots/harness.ts";
import {
  arbFor,
  collectIds,
  EVIL_NUMBERS,
  EVIL_STRINGS,
  encodeAny,
  fingerprinter,
  pathParamArb,
  type GenContext,
} from "./fuzz-gen.ts";

const DB_REFUSED = "database refused the value";
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let h: BotHarness;
let shop: Shop;
let fingerprint: () => Promise<string>;
let openapi: { paths: Record<string, Record<string, any>> };
const ids = new Set<string>();
const ctx: GenContext = { ids: () => [...ids] };

interface Req {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends a request; fails on 5xx; on 4xx proves nothing was written. Returns the status and parsed body. */
async function send(req: Req, checkWrites = true): Promise<{ status: number; body: any }> {
  const before = checkWrites ? await fingerprint() : "";
  const headers: Record<string, string> = { authorization: `Bearer ${shop.apiKey}`, ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(h.s.url + req.path, {
    method: req.method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  const where = `${req.method} ${req.path} ${payload?.slice(0, 500) ?? ""} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  // The database's refusal mapped to 400 is the last line of defence: the validation layer must catch it first.
  expect(body?.errors?.[0]?.message, `validation gap: ${where}`).not.toBe(DB_REFUSED);
  if (res.status < 300) collectIds(body, ids);
  if (checkWrites && res.status >= 400) expect(await fingerprint(), `wrote on ${where}`).toBe(before);
  return { status: res.status, body };
}

beforeAll(async () => {
  h = await startBotHarness();
  shop = await setupShop(h.s);
  fingerprint = await fingerprinter(h.database.db);
  openapi = (await (await fetch(`${h.s.url}/v1/openapi.json`)).json()) as typeof openapi;
  ids.add(shop.memberId);
  for (const r of Object.values(shop.rewards)) ids.add(r);
  // Seed the id pool from every list endpoint.
  for (const [path, ops] of Object.entries(openapi.paths))
    if (ops.get && !path.includes("{")) await send({ method: "GET", path }, false);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe("fuzz: every documented operation", async () => {
  // The document is read from the source of truth the server serves; the list is built before the tests run.
  const { openApiDocument } = await import("../../src/http/openapi.ts");
  await import("../../src/app.ts");
  const doc = openApiDocument() as { paths: Record<string, Record<string, any>> };
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ method, path, op })),
  );

  it("covers the document", () => {
    expect(ops.length).toBeGreaterThan(40);
  });

  for (const { method, path, op } of ops) {
    it(`${method.toUpperCase()} ${path}`, { timeout: 300_000 }, async () => {
      const params: string[] = op.parameters ?? [];
      const pathNames = params.filter((p: any) => p.in === "path").map((p: any) => p.name as string);
      const query = params.filter((p: any) => p.in === "query");
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      const arb = fc.record({
        path: fc.tuple(...pathNames.map(() => pathParamArb(ctx))),
        query: fc.record(
          Object.fromEntries(query.map((q: any) => [q.name, arbFor(q.schema ?? {}, q.schema ?? {}, ctx, q.name)])),
          { requiredKeys: [] },
        ),
        body: bodySchema ? arbFor(bodySchema, bodySchema, ctx) : fc.constant(undefined),
        idem: fc.option(fc.constantFrom("k1", "k2", "\u0000", "x".repeat(300)), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async (r) => {
          let p = path;
          pathNames.forEach((name, i) => {
            p = p.replace(`{${name}}`, encodeAny(String(r.path[i] ?? "x")));
          });
          const qs = Object.entries(r.query)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${encodeAny(k)}=${encodeAny(typeof v === "string" ? v : JSON.stringify(v))}`)
            .join("&");
          const headers: Record<string, string> = {};
          if (r.idem !== undefined && !r.idem.includes("\u0000")) headers["idempotency-key"] = r.idem;
          await send({ method: method.toUpperCase(), path: qs ? `${p}?${qs}` : p, body: r.body, headers });
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
      );
    });
  }
});

/** POSTs a webhook body with the right secret; fails on anything but 200, and on a write when it was ignored. */
async function webhook(path: string, header: string, secret: string, body: unknown): Promise<any> {
  const before = await fingerprint();
  const res = await fetch(h.s.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", [header]: secret },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const where = `${path} ${JSON.stringify(body).slice(0, 400)} → ${res.status} ${text.slice(0, 200)}`;
  expect(res.status, where).toBe(200);
  const json = JSON.parse(text);
  if (json.ignored) expect(await fingerprint(), `wrote on ${where}`).toBe(before);
  return json;
}

const evil = fc.oneof(
  fc.constantFrom(...EVIL_STRINGS.filter((s) => s.length < 1000)),
  fc.constantFrom(...EVIL_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, "x".repeat(12_000)),
);

/** Replaces values at random places of a well-formed update with hostile ones. */
function mutate(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, p: string[]) => {
    paths.push(p);
    if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(base, []);
  return fc
    .array(fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), evil), { minLength: 0, maxLength: 3 })
    .map((changes) => {
      const copy = structuredClone(base) as any;
      for (const [p, v] of changes) {
        let o = copy;
        for (const k of p.slice(0, -1)) {
          if (!o || typeof o !== "object") break;
          o = o[k];
        }
        if (o && typeof o === "object") o[p[p.length - 1] as string] = v;
      }
      return copy;
    });
}

let updateId = 5_000_000;
describe("fuzz: webhooks", () => {
  it("POST /webhooks/telegram: authenticated updates of any shape → 200, never 5xx", { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.string({ maxLength: 40 }), async (user, text) => {
        const base = {
          update_id: updateId++,
          message: {
            message_id: updateId,
            date: 1_760_000_000,
            chat: { id: user, type: "private" },
            from: { id: user, is_bot: false, first_name: "Hoa" },
            text,
          },
        };
        const body = fc.sample(mutate(base), { numRuns: 1, seed: updateId })[0];
        await webhook("/webhooks/telegram", "X-Telegram-Bot-Api-Secret-Token", TG_SECRET, body);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
  });

  it("POST /webhooks/zalo: authenticated updates of any shape → 200, never 5xx", { timeout: 300_000 }, async () => {
    const { ZALO_SECRET } = await import("../bots/harness.ts");
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (text) => {
        n++;
        const base = {
          ok: true,
          result: {
            event_name: "message.text.received",
            message: {
              from: { id: `zfz${n}`, display_name: "Hoa" },
              chat: { id: `zfz${n}`, chat_type: "PRIVATE" },
              message_id: `zm${n}_${Date.now()}`,
              date: 1_760_000_000_000,
              text,
            },
          },
        };
        const body = fc.sample(mutate(base), { numRuns: 1, seed: n })[0];
        await webhook("/webhooks/zalo", "X-Bot-Api-Secret-Token", ZALO_SECRET, body);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
  });
});
