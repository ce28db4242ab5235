/** /console/integrations (page.ts renders): connect a shop system, send a test event, read a connection's delivery log. */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../http/env.ts";
import { DomainError } from "../../lib/errors.ts";
import { newApiKey } from "../../lib/ids.ts";
import {
  createConnection,
  CreateIntegrationSchema,
  listConnections,
  listDeliveries,
  requireConnection,
} from "../../integrations/service.ts";
import { sendTestEvent } from "../../integrations/test-event.ts";
import { getMerchant } from "../../merchants/service.ts";
import type { ConsoleLang } from "../copy.ts";
import { deliveriesPage, integrationsPage, type IntegrationsPageState } from "./page.ts";
import { notFoundPage } from "../views.ts";
import { formStrings } from "../request.ts";

type ConsoleEnv = AppEnv & { Variables: { consoleMerchantId: string; lang: ConsoleLang } };
type C = Context<ConsoleEnv>;

export const integrationConsoleRoutes = new Hono<ConsoleEnv>();

/** A fresh random secret the merchant may use (KiotViet, Nhanh, Haravan) or replace (Shopify's own). */
const suggestSecret = () => newApiKey().replace("ck_live_", "whk_");

async function render(c: C, st: Partial<IntegrationsPageState>, status: 200 | 400 = 200) {
  const list = await listConnections(c.get("db"), c.get("deps"), c.get("consoleMerchantId"));
  return c.html(
    integrationsPage(c.get("lang"), list, {
      suggestedSecret: suggestSecret(),
      origin: new URL(c.req.url).origin,
      ...st,
    }),
    status,
  );
}

integrationConsoleRoutes.get("/integrations", (c) => render(c, {}));

integrationConsoleRoutes.post("/integrations", async (c) => {
  const form = await formStrings(c);
  const values = { ...form, enrol: form.enrol === "1" ? "1" : "0" };
  const credentials =
    form.clientId || form.clientSecret || form.retailer
      ? { clientId: form.clientId ?? "", clientSecret: form.clientSecret ?? "", retailer: form.retailer ?? "" }
      : undefined;
  const parsed = CreateIntegrationSchema.safeParse({
    platform: form.platform,
    secret: form.secret,
    ...(form.name ? { name: form.name } : {}),
    ...(form.shop ? { shop: form.shop } : {}),
    ...(credentials ? { credentials } : {}),
    enrolUnknownCustomers: values.enrol === "1",
  });
  if (!parsed.success) {
    // credentials.clientId → the form's clientId field.
    const errors = Object.fromEntries(
      parsed.error.issues.map((i) => [String(i.path[i.path.length - 1] ?? "platform"), i.message]),
    );
    return render(c, { errors, values }, 400);
  }
  try {
    const created = await createConnection(c.get("db"), c.get("deps"), c.get("consoleMerchantId"), parsed.data);
    return render(c, { created: { webhookUrl: created.webhookUrl, secret: parsed.data.secret } });
  } catch (err) {
    if (!(err instanceof DomainError) || err.status >= 500) throw err;
    const errors = Object.fromEntries(
      (err.errors ?? [{ path: "shop", message: err.message }]).map((e) => [e.path, e.message]),
    );
    return render(c, { errors, values }, 400);
  }
});

integrationConsoleRoutes.post("/integrations/:id/test", async (c) => {
  try {
    const r = await sendTestEvent(c.get("db"), c.get("deps"), c.get("consoleMerchantId"), c.req.param("id"));
    return render(c, { tested: r.outcome });
  } catch (err) {
    if (err instanceof DomainError && err.status === 404) return c.html(notFoundPage(c.get("lang"), true), 404);
    throw err;
  }
});

integrationConsoleRoutes.get("/integrations/:id", async (c) => {
  const db = c.get("db");
  const merchantId = c.get("consoleMerchantId");
  try {
    const conn = await requireConnection(db, merchantId, c.req.param("id"));
    const view = (await listConnections(db, c.get("deps"), merchantId)).find((i) => i.id === conn.id)!;
    const list = await listDeliveries(db, merchantId, conn.id, 100);
    const tz = (await getMerchant(db, merchantId))?.timezone ?? "Asia/Ho_Chi_Minh";
    return c.html(deliveriesPage(c.get("lang"), view, list, tz, new URL(c.req.url).origin));
  } catch (err) {
    if (err instanceof DomainError && err.status === 404) return c.html(notFoundPage(c.get("lang"), true), 404);
    throw err;
  }
});
