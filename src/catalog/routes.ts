/** HTTP: the merchant's product catalog (list prices the offers quote; orders never change them). */
import { z } from "zod";
import { apiGroup, found, ok } from "../http/route.ts";
import { Problem, validationProblem } from "../http/problem.ts";
import { parseBody } from "../http/validate.ts";
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

const api = apiGroup("Catalog");

function skuParam(raw: string): string {
  const r = SkuParam.safeParse(raw);
  if (!r.success)
    throw validationProblem([{ path: "sku", message: "must be 1–100 characters" }], "sku must be 1–100 characters");
  return r.data;
}

api.get(
  "/v1/products",
  {
    summary: "The product catalog, by sku",
    query: ListProductsQuery,
    responses: ok("A page of products", z.object({ items: z.array(ProductView), nextCursor: z.string().nullable() })),
  },
  ({ db, merchantId, query }) => listProducts(db, merchantId, query),
);

const ImportResult = z.object({ imported: z.number().int() });
api.post(
  "/v1/products/import",
  {
    summary: "Set many products from a CSV (Content-Type: text/csv)",
    description:
      "Header row: sku,name,list_price required; category, margin (percent 0–100), active (true/false) optional; any order, case-insensitive. Each row is one PUT /v1/products/{sku}. All or nothing: any bad row → 400 whose errors name each bad cell as lines.<line>.<column> (physical line numbers), and nothing is written.",
    rawBody: { contentType: "text/csv", description: "sku,name,category,list_price,margin,active" },
    responses: ok("Imported", ImportResult, { 400: "Invalid rows, with line numbers", 415: "Not text/csv" }),
  },
  async ({ c, db, merchantId, now }) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "text/csv")
      throw new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the CSV as text/csv");
    const text = await c.req.text();
    return await importProductsCsv(db, merchantId, text, now);
  },
);

api.get(
  "/v1/products/{sku}",
  {
    summary: "One product",
    responses: found("The product", ProductView, "product-not-found"),
  },
  ({ db, merchantId, param }) => getProduct(db, merchantId, skuParam(param("sku"))),
);

api.put(
  "/v1/products/{sku}",
  {
    summary: "Set a product: name, category, list price, margin, active (creates or replaces)",
    description:
      "The list price is what offers quote; order lines never change it (they record lastSeenPrice). A product set here keeps its name and category whatever orders say.",
    documentedBody: ProductInputSchema,
    responses: ok("The product", ProductView),
  },
  async ({ c, db, merchantId, now, param }) => {
    const sku = skuParam(param("sku"));
    const input = await parseBody(c, ProductInputSchema);
    return await putProduct(db, merchantId, sku, input, now);
  },
);

export const catalogRoutes = api.app;
