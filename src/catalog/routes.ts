/** HTTP: the merchant's product catalog (list prices the offers quote; orders never change them). */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { Problem, validationProblem } from "../http/problem.ts";
import { parseBody, parseQuery } from "../http/validate.ts";
import {
  getProduct,
  importProductsCsv,
  ListProductsQuery,
  listProducts,
  ProductInputSchema,
  ProductView,
  SkuParam,
  putProduct,
} from "./service.ts";

export const catalogRoutes = new Hono<AppEnv>();

function skuParam(raw: string): string {
  const r = SkuParam.safeParse(raw);
  if (!r.success)
    throw validationProblem([{ path: "sku", message: "must be 1–100 characters" }], "sku must be 1–100 characters");
  return r.data;
}

doc({
  method: "get",
  path: "/v1/products",
  tag: "Catalog",
  summary: "The product catalog, by sku",
  query: ListProductsQuery,
  responses: {
    200: {
      description: "A page of products",
      schema: z.object({ items: z.array(ProductView), nextCursor: z.string().nullable() }),
    },
  },
});
catalogRoutes.get("/products", async (c) =>
  c.json(await listProducts(c.get("db"), c.get("merchantId"), parseQuery(c, ListProductsQuery))),
);

const ImportResult = z.object({ imported: z.number().int() });
doc({
  method: "post",
  path: "/v1/products/import",
  tag: "Catalog",
  summary: "Set many products from a CSV (Content-Type: text/csv)",
  description:
    "Header row: sku,name,list_price required; category, margin (percent 0–100), active (true/false) optional; any order, case-insensitive. Each row is one PUT /v1/products/{sku}. All or nothing: any bad row → 400 whose errors name each bad cell as lines.<line>.<column> (physical line numbers), and nothing is written.",
  rawBody: { contentType: "text/csv", description: "sku,name,category,list_price,margin,active" },
  responses: {
    200: { description: "Imported", schema: ImportResult },
    400: { description: "Invalid rows, with line numbers" },
    415: { description: "Not text/csv" },
  },
});
catalogRoutes.post("/products/import", async (c) => {
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "text/csv")
    throw new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the CSV as text/csv");
  const text = await c.req.text();
  return c.json(await importProductsCsv(c.get("db"), c.get("merchantId"), text, c.get("deps").clock.now()));
});

doc({
  method: "get",
  path: "/v1/products/{sku}",
  tag: "Catalog",
  summary: "One product",
  responses: { 200: { description: "The product", schema: ProductView }, 404: { description: "product-not-found" } },
});
catalogRoutes.get("/products/:sku", async (c) =>
  c.json(await getProduct(c.get("db"), c.get("merchantId"), skuParam(c.req.param("sku")))),
);

doc({
  method: "put",
  path: "/v1/products/{sku}",
  tag: "Catalog",
  summary: "Set a product: name, category, list price, margin, active (creates or replaces)",
  description:
    "The list price is what offers quote; order lines never change it (they record lastSeenPrice). A product set here keeps its name and category whatever orders say.",
  body: ProductInputSchema,
  responses: { 200: { description: "The product", schema: ProductView } },
});
catalogRoutes.put("/products/:sku", async (c) => {
  const sku = skuParam(c.req.param("sku"));
  const input = await parseBody(c, ProductInputSchema);
  return c.json(await putProduct(c.get("db"), c.get("merchantId"), sku, input, c.get("deps").clock.now()));
});
