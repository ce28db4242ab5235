/**
 * The floor under the order server (floor.ts): a POST handler with no logic — read the body, parse it, one prepared
 * round trip to Postgres, a small JSON answer — on bare node:http (`FLOOR=node`) or on Hono with @hono/node-server
 * (`FLOOR=hono`, what src/node.ts serves with). What any Node server answering an order over one statement costs.
 */
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import postgres from "postgres";

const sql = postgres(process.env.DATABASE_URL!, { max: Number(process.env.DB_POOL_MAX ?? 8), onnotice: () => {} });
const answer = async (body: string) => {
  const { externalId } = JSON.parse(body) as { externalId: string };
  const rows = await sql.unsafe("select $1::text as r", [externalId], { prepare: true });
  return JSON.stringify({ externalId: rows[0]!.r, ok: true });
};
const port = Number(process.env.PORT);
const up = () => process.stdout.write("up\n");

if (process.env.FLOOR === "hono") {
  const app = new Hono();
  app.post("/v1/orders", async (c) =>
    c.body(await answer(await c.req.text()), 201, { "content-type": "application/json" }),
  );
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, up);
} else {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const out = await answer(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
      res.end(out);
    });
  }).listen(port, "127.0.0.1", up);
}
