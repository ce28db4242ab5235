/** /v1/zns: the ZNS template registry (with a preview) and the merchant's ZNS settings. */
import { z } from "zod";
import { apiGroup, listOf, noContent, ok, settingsRoutes, createdOrOk } from "../http/route.ts";
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

const api = apiGroup("ZNS");

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

const NOT_FOUND = { 404: "No such template of this merchant (…/zns-template-not-found)" };

/** The path's template id, validated like a body field (400 at `templateId`). */
function templateIdParam(raw: string): string {
  const r = ZNS_TEMPLATE_ID.safeParse(raw);
  if (!r.success) throw validationError([{ path: "templateId", message: r.error.issues[0]?.message ?? "invalid" }]);
  return r.data;
}

api.get(
  "/v1/zns/templates",
  { summary: "The merchant's registered ZNS templates", responses: ok("Templates", listOf("templates", TemplateView)) },
  async ({ db, merchantId }) => ({ templates: await listZnsTemplates(db, merchantId) }),
);

api.put(
  "/v1/zns/templates/{templateId}",
  {
    summary: "Register (or replace) an approved ZNS template and map its parameters to member and offer facts",
    description:
      'templateId is Zalo\'s id of a template approved for the merchant\'s OA. Example: {"name": "Nhắc điểm", "tag": "promotion", "params": {"customer_name": {"source": "firstName"}, "points": {"source": "points"}, "code": {"source": "offerCode"}, "shop": {"source": "const", "value": "Cà Phê Phố"}}}',
    // The path's id is checked before the body.
    documentedBody: PutZnsTemplateSchema,
    responses: createdOrOk(TemplateView, { 201: "Registered", 200: "Replaced" }),
  },
  async ({ c, db, merchantId, now, param }) => {
    const templateId = templateIdParam(param("templateId"));
    const input = await parseBody(c, PutZnsTemplateSchema);
    const r = await putZnsTemplate(db, merchantId, templateId, input, now);
    return c.json(r.template, r.created ? 201 : 200);
  },
);

api.get(
  "/v1/zns/templates/{templateId}",
  { summary: "One registered ZNS template", responses: ok("The template", TemplateView, NOT_FOUND) },
  ({ db, merchantId, param }) => getZnsTemplate(db, merchantId, templateIdParam(param("templateId"))),
);

api.delete(
  "/v1/zns/templates/{templateId}",
  {
    summary: "Remove a template from the registry (queued ZNS messages that use it then fail)",
    responses: noContent("Removed", NOT_FOUND),
  },
  async ({ c, db, merchantId, param }) => {
    await deleteZnsTemplate(db, merchantId, templateIdParam(param("templateId")));
    return c.body(null, 204);
  },
);

api.post(
  "/v1/zns/templates/{templateId}/preview",
  {
    summary: "Render the template's parameters for one member (or a sample member) without sending anything",
    description:
      "offerCode / offerExpiry stand in for a campaign's znsOffer (default SAMPLE10 and none). An unknown memberId → 404 at memberId.",
    // The path's id is checked before the body.
    documentedBody: PreviewZnsSchema,
    responses: ok("What would be sent", PreviewView, NOT_FOUND),
  },
  async ({ c, db, merchantId, now, param }) => {
    const templateId = templateIdParam(param("templateId"));
    return await previewZnsTemplate(db, merchantId, templateId, await parseBody(c, PreviewZnsSchema), now);
  },
);

settingsRoutes(api, "/v1/zns/settings", ZnsSettingsSchema, znsSettings, {
  get: {
    summary:
      "ZNS settings: mode (default development), price per message (default 300 VND), daily quota (default none)",
    answer: "Settings",
  },
  put: {
    summary: "Replace the ZNS settings (fields left out take the defaults)",
    description:
      'Example: {"mode": "production", "pricePerMessage": 300, "dailyQuota": 2000}. Quiet hours are the messaging settings\' (PUT /v1/messaging/settings) and apply to ZNS too.',
    answer: "Settings now in force",
  },
});

export const znsRoutes = api.app;
