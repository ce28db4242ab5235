/** /v1/zns: the ZNS template registry (with a preview) and the merchant's ZNS settings. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/env.ts";
import { doc } from "../http/openapi.ts";
import { parseBody } from "../http/validate.ts";
import { validationError } from "../lib/errors.ts";
import { znsSettings, ZnsSettingsSchema } from "./settings.ts";
import {
  deleteZnsTemplate,
  getZnsTemplate,
  listZnsTemplates,
  PreviewZnsSchema,
  previewZnsTemplate,
  PutZnsTemplateSchema,
  putZnsTemplate,
  ZNS_TEMPLATE_ID,
  ZnsParamSourceSchema,
} from "./templates.ts";

export const znsRoutes = new Hono<AppEnv>();

const TemplateView = z.object({
  templateId: z.string(),
  name: z.string(),
  tag: z.enum(["transaction", "care", "promotion"]),
  params: z.record(z.string(), ZnsParamSourceSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const PreviewView = z.object({
  templateId: z.string(),
  mode: z.enum(["development", "production"]),
  phone: z.string().nullable().describe("The 84… number ZNS would be sent to (null: the member has none)"),
  templateData: z.record(z.string(), z.string()).describe("template_data as it would be sent"),
  pricePerMessage: z.number().int(),
  sample: z.boolean().describe("true when rendered for the built-in sample member"),
});

const NOT_FOUND = { description: "No such template of this merchant (…/zns-template-not-found)" };

/** The path's template id, validated like a body field (400 at `templateId`). */
function templateIdParam(raw: string): string {
  const r = ZNS_TEMPLATE_ID.safeParse(raw);
  if (!r.success) throw validationError([{ path: "templateId", message: r.error.issues[0]?.message ?? "invalid" }]);
  return r.data;
}

doc({
  method: "get",
  path: "/v1/zns/templates",
  tag: "ZNS",
  summary: "The merchant's registered ZNS templates",
  responses: { 200: { description: "Templates", schema: z.object({ templates: z.array(TemplateView) }) } },
});
znsRoutes.get("/zns/templates", async (c) =>
  c.json({ templates: await listZnsTemplates(c.get("db"), c.get("merchantId")) }),
);

doc({
  method: "put",
  path: "/v1/zns/templates/{templateId}",
  tag: "ZNS",
  summary: "Register (or replace) an approved ZNS template and map its parameters to member and offer facts",
  description:
    'templateId is Zalo\'s id of a template approved for the merchant\'s OA. Example: {"name": "Nhắc điểm", "tag": "promotion", "params": {"customer_name": {"source": "firstName"}, "points": {"source": "points"}, "code": {"source": "offerCode"}, "shop": {"source": "const", "value": "Cà Phê Phố"}}}',
  body: PutZnsTemplateSchema,
  responses: {
    200: { description: "Replaced", schema: TemplateView },
    201: { description: "Registered", schema: TemplateView },
  },
});
znsRoutes.put("/zns/templates/:templateId", async (c) => {
  const templateId = templateIdParam(c.req.param("templateId"));
  const input = await parseBody(c, PutZnsTemplateSchema);
  const r = await putZnsTemplate(c.get("db"), c.get("merchantId"), templateId, input, c.get("deps").clock.now());
  return c.json(r.template, r.created ? 201 : 200);
});

doc({
  method: "get",
  path: "/v1/zns/templates/{templateId}",
  tag: "ZNS",
  summary: "One registered ZNS template",
  responses: { 200: { description: "The template", schema: TemplateView }, 404: NOT_FOUND },
});
znsRoutes.get("/zns/templates/:templateId", async (c) =>
  c.json(await getZnsTemplate(c.get("db"), c.get("merchantId"), templateIdParam(c.req.param("templateId")))),
);

doc({
  method: "delete",
  path: "/v1/zns/templates/{templateId}",
  tag: "ZNS",
  summary: "Remove a template from the registry (queued ZNS messages that use it then fail)",
  responses: { 204: { description: "Removed" }, 404: NOT_FOUND },
});
znsRoutes.delete("/zns/templates/:templateId", async (c) => {
  await deleteZnsTemplate(c.get("db"), c.get("merchantId"), templateIdParam(c.req.param("templateId")));
  return c.body(null, 204);
});

doc({
  method: "post",
  path: "/v1/zns/templates/{templateId}/preview",
  tag: "ZNS",
  summary: "Render the template's parameters for one member (or a sample member) without sending anything",
  description:
    "offerCode / offerExpiry stand in for a campaign's znsOffer (default SAMPLE10 and none). An unknown memberId → 404 at memberId.",
  body: PreviewZnsSchema,
  responses: { 200: { description: "What would be sent", schema: PreviewView }, 404: NOT_FOUND },
});
znsRoutes.post("/zns/templates/:templateId/preview", async (c) => {
  const templateId = templateIdParam(c.req.param("templateId"));
  const input = await parseBody(c, PreviewZnsSchema);
  return c.json(
    await previewZnsTemplate(c.get("db"), c.get("merchantId"), templateId, input, c.get("deps").clock.now()),
  );
});

doc({
  method: "get",
  path: "/v1/zns/settings",
  tag: "ZNS",
  summary: "ZNS settings: mode (default development), price per message (default 300 VND), daily quota (default none)",
  responses: { 200: { description: "Settings", schema: ZnsSettingsSchema } },
});
znsRoutes.get("/zns/settings", async (c) => c.json(await znsSettings.get(c.get("db"), c.get("merchantId"))));

doc({
  method: "put",
  path: "/v1/zns/settings",
  tag: "ZNS",
  summary: "Replace the ZNS settings (fields left out take the defaults)",
  description:
    'Example: {"mode": "production", "pricePerMessage": 300, "dailyQuota": 2000}. Quiet hours are the messaging settings\' (PUT /v1/messaging/settings) and apply to ZNS too.',
  body: ZnsSettingsSchema,
  responses: { 200: { description: "Settings now in force", schema: ZnsSettingsSchema } },
});
znsRoutes.put("/zns/settings", async (c) => {
  const s = await parseBody(c, ZnsSettingsSchema);
  return c.json(await znsSettings.put(c.get("db"), c.get("merchantId"), s));
});
