/**
 * Console HTTP glue for the catalog (the catalog services behind /v1/products) and recommendations (the model
 * services behind /v1/recs/model, and the offers report behind GET /v1/offers/report).
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  importProductsCsv,
  listProducts,
  getProduct,
  ProductInputSchema,
  putProduct,
  SkuParam,
} from "../catalog/service.ts";
import { DomainError } from "../lib/errors.ts";
import { offerReport } from "../offers/report.ts";
import { getOfferSettings } from "../offers/settings.ts";
import { buildModel, buildModelOnce, currentModelRow, modelInfo } from "../recs/build.ts";
import { topRules } from "../recs/model.ts";
import { CATALOG_COPY, catalogPage } from "./catalog-page.ts";
import { type FormState, issueErrors } from "./kit.ts";
import { RECS_COPY, recsPage } from "./recs-page.ts";
import type { ConsoleEnv } from "./env.ts";
import { type C, tz } from "./request.ts";
import { listStores, storeView } from "../stores/service.ts";
import { storeSelect } from "./stores-page.ts";

export const catalogPages = new Hono<ConsoleEnv>();

const PAGE = 200;

async function renderCatalog(
  c: C,
  extra: FormState & { importErrors?: { path: string; message: string }[] } = {},
  status = 200,
) {
  const after = c.req.query("after");
  const { items, nextCursor } = await listProducts(c.get("db"), c.get("consoleMerchantId"), {
    limit: PAGE,
    ...(after ? { after: after.slice(0, 100) } : {}),
  });
  return c.html(catalogPage(c.get("lang"), { items, next: nextCursor, ...extra }), status as 200);
}

catalogPages.get("/catalog", async (c) => {
  const k = CATALOG_COPY[c.get("lang")];
  const ok = c.req.query("ok");
  const n = c.req.query("n") ?? "";
  const flash =
    ok === "saved" ? k.saved : ok === "imported" && /^\d+$/.test(n) ? k.imported.replace("{n}", n) : undefined;
  // ?sku= fills the form with that product (of this merchant only: another shop's sku is simply not found).
  const sku = c.req.query("sku");
  let values: Record<string, string> | undefined;
  if (sku) {
    const p = await getProduct(c.get("db"), c.get("consoleMerchantId"), sku.slice(0, 100));
    values = {
      sku: p.sku,
      name: p.name ?? "",
      category: p.category ?? "",
      listPrice: p.listPrice === null ? "" : String(p.listPrice),
      margin: p.margin === null ? "" : String(p.margin),
      ...(p.active ? { active: "on" } : {}),
    };
  }
  return renderCatalog(c, { ...(flash ? { flash } : {}), ...(values ? { values } : {}) });
});

const wholeOrText = (v: string | undefined) => {
  const s = (v ?? "").trim();
  return s === "" ? undefined : /^-?\d+$/.test(s) ? Number(s) : s;
};

/** PUT /v1/products/{sku} semantics: the form through SkuParam and ProductInputSchema. */
catalogPages.post("/catalog/product", async (c) => {
  const body = await c.req.parseBody();
  const f = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"));
  const sku = SkuParam.safeParse(f.sku ?? "");
  const margin = wholeOrText(f.margin);
  const parsed = ProductInputSchema.safeParse({
    name: f.name ?? "",
    category: (f.category ?? "").trim() === "" ? null : f.category,
    listPrice: wholeOrText(f.listPrice),
    margin: margin ?? null,
    active: f.active === "on",
  });
  if (!sku.success || !parsed.success) {
    const errors = {
      ...(sku.success ? {} : { sku: "1–100 characters" }),
      ...(parsed.success ? {} : issueErrors(parsed.error.issues)),
    };
    return renderCatalog(c, { values: f, errors }, 400);
  }
  await putProduct(c.get("db"), c.get("consoleMerchantId"), sku.data, parsed.data, c.get("deps").clock.now());
  return c.redirect("/console/catalog?ok=saved", 303);
});

/** POST /v1/products/import semantics: all or nothing; every bad cell listed with its line number. */
catalogPages.post("/catalog/import", async (c) => {
  const body = await c.req.parseBody();
  const file = body.csv;
  const text = file instanceof File ? await file.text() : typeof file === "string" ? file : "";
  if (text.trim() === "")
    return renderCatalog(c, { importErrors: [{ path: "csv", message: CATALOG_COPY[c.get("lang")].noFile }] }, 400);
  try {
    const r = await importProductsCsv(c.get("db"), c.get("consoleMerchantId"), text, c.get("deps").clock.now());
    return c.redirect(`/console/catalog?ok=imported&n=${r.imported}`, 303);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 400) throw err;
    return renderCatalog(c, { importErrors: err.errors ?? [{ path: "csv", message: err.message }] }, 400);
  }
});

// ---- recommendations + the offers report -----------------------------------------------------------------------

const Days = z.coerce.number().int().min(1).max(3660).catch(30);

catalogPages.get("/recommendations", async (c) => {
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const days = Days.parse(c.req.query("days") ?? "30");
  const row = await currentModelRow(db, m);
  const settings = await getOfferSettings(db, m);
  // ?store=: offers bought at that store (not one of this merchant's → every order).
  const stores = (await listStores(db, m, "all")).map(storeView);
  const storeId = stores.find((s) => s.id === c.req.query("store"))?.id ?? null;
  const since = new Date(now.getTime() - days * 86_400_000);
  const report = await offerReport(db, m, since, now, settings.holdoutPercent, storeId);
  const r = RECS_COPY[c.get("lang")];
  const ok = c.req.query("ok");
  const v = c.req.query("v") ?? "";
  const flash = (ok === "built" || ok === "unchanged") && /^\d+$/.test(v) ? r[ok].replace("{v}", v) : undefined;
  return c.html(
    recsPage(c.get("lang"), {
      model: row ? modelInfo(row) : null,
      rules: row ? await topRules(db, m, row.id, 20) : [],
      report,
      days,
      storeSelect: storeSelect(c.get("lang"), stores, storeId),
      timezone: await tz(c),
      ...(flash ? { flash } : {}),
    }),
  );
});

/** POST /v1/recs/model/builds semantics: a new version when orders changed (or when forced), else unchanged. */
catalogPages.post("/recommendations/rebuild", async (c) => {
  const form = await c.req.parseBody();
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const r = form.force === "on" ? await buildModel(db, m, now, { force: true }) : await buildModelOnce(db, m, now);
  return c.redirect(`/console/recommendations?ok=${r.status}&v=${r.model.version}`, 303);
});
