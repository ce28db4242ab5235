/** Console HTTP glue for the stores page: the services behind /v1/stores, behind the console's session. */
import { type Context, Hono } from "hono";
import { merchantTimezone } from "../merchants/service.ts";
import { CreateStoreSchema } from "../stores/schemas.ts";
import { archiveStore, createStore, listStores, storeView } from "../stores/service.ts";
import type { ConsoleEnv } from "./env.ts";
import { domainErrors, type FormState, issueErrors } from "./kit.ts";
import { STORES_COPY, storesPage } from "./stores-page.ts";

export const storePages = new Hono<ConsoleEnv>();

async function render(c: Context<ConsoleEnv>, extra: FormState = {}, status: 200 | 400 | 409 = 200) {
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const stores = (await listStores(db, m, "all")).map(storeView);
  const timezone = (await merchantTimezone(db, m)) ?? "Asia/Ho_Chi_Minh";
  return c.html(storesPage(c.get("lang"), { stores, timezone, ...extra }), status);
}

storePages.get("/stores", (c) => {
  const t = STORES_COPY[c.get("lang")];
  const ok = c.req.query("ok");
  return render(c, ok === "added" ? { flash: t.added } : ok === "archived" ? { flash: t.archivedFlash } : {});
});

/** POST /v1/stores semantics; a refused form (bad field, duplicate code) comes back with the errors in place. */
storePages.post("/stores", async (c) => {
  const form = await c.req.parseBody();
  const values: Record<string, string> = {};
  for (const k of ["code", "name", "address"]) values[k] = typeof form[k] === "string" ? form[k].trim() : "";
  const parsed = CreateStoreSchema.safeParse({
    code: values.code,
    name: values.name,
    ...(values.address ? { address: values.address } : {}),
  });
  if (!parsed.success) return render(c, { values, errors: issueErrors(parsed.error.issues) }, 400);
  try {
    await createStore(c.get("db"), c.get("consoleMerchantId"), parsed.data, c.get("deps").clock.now());
  } catch (err) {
    return render(c, { values, errors: { code: Object.values(domainErrors(err, "code")).join("; ") } }, 409);
  }
  return c.redirect("/console/stores?ok=added", 303);
});

/** DELETE /v1/stores/{id} semantics (another merchant's store: the console's not-found page). */
storePages.post("/stores/:id/archive", async (c) => {
  await archiveStore(c.get("db"), c.get("consoleMerchantId"), c.req.param("id"), c.get("deps").clock.now());
  return c.redirect("/console/stores?ok=archived", 303);
});
