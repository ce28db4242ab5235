/**
 * Console HTTP glue for campaigns and the reactivation journey: form fields → the API's own schemas
 * (CreateCampaignSchema, CampaignPreviewSchema, JourneyConfigSchema) → the same services /v1 uses. Errors are shown
 * in place by path; nothing here decides anything about sending.
 */
import { Hono } from "hono";
import type { z } from "zod";
import { previewCampaign, CampaignPreviewSchema } from "../campaigns/preview.ts";
import {
  campaignKpis,
  cancelCampaign,
  CreateCampaignSchema,
  createCampaign,
  getCampaignView,
  listCampaigns,
  startCampaign,
} from "../campaigns/service.ts";
import { wakeDeliveryWorkers } from "../campaigns/worker.ts";
import { getJourney, JourneyConfigSchema, putJourney, runJourneyPass } from "../journeys/service.ts";
import { listBundles } from "../offers/catalog.ts";
import { listSegments } from "../segments/service.ts";
import { listZnsTemplates } from "../zns/templates.ts";
import {
  CAMPAIGN_COPY,
  type CampaignForm,
  campaignPage,
  campaignsPage,
  previewFragment,
  progressFragment,
} from "./campaigns-page.ts";
import { journeyPage } from "./journeys-page.ts";
import { estimateFragment, sendRefusal } from "./budget-page.ts";
import { listStores, storeView } from "../stores/service.ts";
import { storeFilter } from "./stores-page.ts";
import { BUDGET_COPY } from "./copy.ts";
import { estimateDraftCost } from "../budget/service.ts";
import { ChannelChoiceSchema } from "../campaigns/routing.ts";
import { domainErrors, type Errors, type FormState, issueErrors, localToIso } from "./kit.ts";
import type { ConsoleEnv } from "./env.ts";
import { type C, ctx, formStrings, tz } from "./request.ts";

export const campaignPages = new Hono<ConsoleEnv>();

const opt = (v: string | undefined) => (v && v.trim() !== "" ? v : undefined);

/** The form's message fields ("message.vi", "message.en"; empty = absent). */
const messageOf = (f: CampaignForm, prefix = "message") => ({
  ...(opt(f[`${prefix}.vi`]) ? { vi: f[`${prefix}.vi`] } : {}),
  ...(opt(f[`${prefix}.en`]) ? { en: f[`${prefix}.en`] } : {}),
});

async function choices(c: C) {
  const { db, m } = ctx(c);
  const segments = (await listSegments(db, m)).map((s) => ({ id: s.id, name: s.name }));
  const offers = (await listBundles(db, m)).filter((b) => b.active).map((b) => ({ id: b.id, name: b.name }));
  const znsTemplates = (await listZnsTemplates(db, m)).map((t) => ({ id: t.templateId, name: t.name }));
  return { segments, offers, znsTemplates };
}

async function renderList(c: C, extra: FormState<CampaignForm> = {}, status = 200) {
  const { db, m } = ctx(c);
  const { campaigns } = await listCampaigns(db, m, { limit: 50 });
  return c.html(
    campaignsPage(c.get("lang"), { campaigns, ...(await choices(c)), timezone: await tz(c), ...extra }),
    status as 200,
  );
}

campaignPages.get("/campaigns", (c) =>
  renderList(c, c.req.query("ok") === "cancelled" ? { flash: CAMPAIGN_COPY[c.get("lang")].cancelledOk } : {}),
);

/** htmx: the message as a sample member of the chosen segment gets it (nothing is saved). */
campaignPages.post("/campaigns/preview", async (c) => {
  const f = await formStrings(c);
  const parsed = CampaignPreviewSchema.safeParse({
    segmentId: f.segmentId ?? "",
    message: messageOf(f),
    ...(opt(f.offerId) ? { offerId: f.offerId } : {}),
  });
  const lang = c.get("lang");
  if (!parsed.success) return c.html(previewFragment(lang, { errors: issueErrors(parsed.error.issues) }).toString());
  const { db, m, now } = ctx(c);
  try {
    const preview = await previewFragment(lang, await previewCampaign(db, m, parsed.data, now)).toString();
    // The budget estimate of what is being composed (src/budget): shown under the preview.
    const draft = {
      segmentId: parsed.data.segmentId,
      offerId: parsed.data.offerId,
      channel: ChannelChoiceSchema.catch("auto").parse(f.channel),
      znsTemplateId: opt(f.znsTemplateId),
    };
    return c.html(preview + (await estimateFragment(lang, await estimateDraftCost(db, m, draft, now)).toString()));
  } catch (err) {
    return c.html(previewFragment(lang, { errors: domainErrors(err, "segmentId") }).toString());
  }
});

campaignPages.post("/campaigns", async (c) => {
  const f = await formStrings(c);
  const action = f.action === "schedule" || f.action === "draft" ? f.action : "send";
  const zone = await tz(c);
  const sendAt = action === "schedule" ? localToIso(f.sendAt ?? "", zone) : undefined;
  const control = opt(f.controlPercent);
  const parsed = CreateCampaignSchema.safeParse({
    name: f.name ?? "",
    segmentId: f.segmentId ?? "",
    message: messageOf(f),
    ...(opt(f.offerId) ? { offerId: f.offerId } : {}),
    ...(opt(f.channel) ? { channel: f.channel } : {}),
    ...(opt(f.znsTemplateId) ? { znsTemplateId: f.znsTemplateId } : {}),
    ...(control !== undefined ? { controlPercent: Number(control) } : {}),
    ...(sendAt ? { sendAt } : {}),
  });
  const errors: Errors = parsed.success ? {} : issueErrors(parsed.error.issues);
  if (action === "schedule" && !sendAt) errors.sendAt = CAMPAIGN_COPY[c.get("lang")].sendAtNeeded;
  if (!parsed.success || Object.keys(errors).length > 0) return renderList(c, { values: f, errors }, 400);
  const { db, m, now } = ctx(c);
  let id: string;
  try {
    id = (await createCampaign(db, m, parsed.data as z.output<typeof CreateCampaignSchema>, now)).id;
  } catch (err) {
    return renderList(c, { values: f, errors: domainErrors(err, "segmentId") }, 400);
  }
  if (action === "send") return sendAndShow(c, id);
  return c.redirect(`/console/campaigns/${encodeURIComponent(id)}?ok=created`, 303);
});

/** The campaign, its KPIs once started, and `?store=` (the KPIs' orders at that store; not one of ours → all). */
async function campaignData(c: C, id: string) {
  const { db, m, now } = ctx(c);
  const view = await getCampaignView(db, m, id);
  const stores = (await listStores(db, m, "all")).map(storeView);
  const storeId = stores.find((s) => s.id === c.req.query("store"))?.id ?? null;
  const kpis =
    view.status === "sending" || view.status === "done" ? await campaignKpis(db, m, id, now, storeId) : undefined;
  const filter = kpis
    ? storeFilter(c.get("lang"), stores, storeId, `/console/campaigns/${encodeURIComponent(id)}`)
    : null;
  return { view, kpis, storeId, filter };
}

campaignPages.get("/campaigns/:id", async (c) => {
  const { view, kpis, storeId, filter } = await campaignData(c, c.req.param("id"));
  const { segments, offers } = await choices(c);
  const copy = CAMPAIGN_COPY[c.get("lang")];
  const ok = c.req.query("ok");
  const text =
    ok === "sending"
      ? copy.sendingOk
      : ok === "sending-over"
        ? BUDGET_COPY[c.get("lang")].sentOver
        : ok === "created"
          ? copy.createdOk
          : undefined;
  return c.html(
    campaignPage(c.get("lang"), {
      view,
      kpis,
      segmentName: segments.find((s) => s.id === view.segmentId)?.name ?? view.segmentId,
      offerName: offers.find((o) => o.id === view.offerId)?.name ?? null,
      timezone: await tz(c),
      storeId,
      storeFilter: filter,
      ...(text ? { flash: { text } } : {}),
    }),
  );
});

/** htmx polling: counts, progress and KPIs. */
campaignPages.get("/campaigns/:id/progress", async (c) => {
  const { view, kpis, storeId } = await campaignData(c, c.req.param("id"));
  return c.html(progressFragment(c.get("lang"), view, kpis, storeId).toString());
});

campaignPages.post("/campaigns/:id/send", (c) => sendAndShow(c, c.req.param("id")));

/** Starts the campaign; a refusal (already sent, over a blocking budget) is shown on its page, a budget warning too. */
async function sendAndShow(c: C, id: string) {
  const { db, m, now } = ctx(c);
  let warned = false;
  try {
    warned = (await startCampaign(db, m, id, now, c.get("deps").sendGuard)).warning !== undefined;
  } catch (err) {
    const text = sendRefusal(c.get("lang"), err);
    const { view, kpis } = await campaignData(c, id);
    return c.html(
      campaignPage(c.get("lang"), {
        view,
        kpis,
        segmentName: view.segmentId,
        offerName: null,
        timezone: await tz(c),
        flash: { text, bad: true },
      }),
      409,
    );
  }
  wakeDeliveryWorkers();
  return c.redirect(`/console/campaigns/${encodeURIComponent(id)}?ok=${warned ? "sending-over" : "sending"}`, 303);
}

campaignPages.post("/campaigns/:id/cancel", async (c) => {
  const { db, m } = ctx(c);
  try {
    await cancelCampaign(db, m, c.req.param("id"));
  } catch (err) {
    domainErrors(err); // 409: already sent; the campaign's page shows its state
    return c.redirect(`/console/campaigns/${encodeURIComponent(c.req.param("id"))}`, 303);
  }
  return c.redirect("/console/campaigns?ok=cancelled", 303);
});

// ---- the reactivation journey ----------------------------------------------------------------------------------

async function renderJourney(c: C, extra: FormState<CampaignForm> & { queued?: number } = {}, status = 200) {
  const { db, m, now } = ctx(c);
  return c.html(
    journeyPage(c.get("lang"), {
      journey: await getJourney(db, m, now),
      ...(await choices(c)),
      timezone: await tz(c),
      ...extra,
    }),
    status as 200,
  );
}

campaignPages.get("/journeys", (c) => {
  const ok = c.req.query("ok");
  const queued = Number(c.req.query("queued") ?? "");
  return renderJourney(c, {
    ...(ok === "saved" ? { flash: "saved" } : {}),
    ...(ok === "ran" && Number.isInteger(queued) ? { queued } : {}),
  });
});

/** Steps are rows `steps.N.*`; a row whose segment is left empty is dropped (that is how a step is removed). */
campaignPages.post("/journeys", async (c) => {
  const f = await formStrings(c);
  const rows: { index: number; step: object }[] = [];
  for (let i = 0; i < 11 && f[`steps.${i}.segmentId`] !== undefined; i++) {
    if (!opt(f[`steps.${i}.segmentId`])) continue;
    rows.push({
      index: i,
      step: {
        segmentId: f[`steps.${i}.segmentId`],
        message: messageOf(f, `steps.${i}.message`),
        ...(opt(f[`steps.${i}.offerId`]) ? { offerId: f[`steps.${i}.offerId`] } : {}),
      },
    });
  }
  const days = opt(f.attributionDays);
  const parsed = JourneyConfigSchema.safeParse({
    enabled: f.enabled === "on",
    steps: rows.map((r) => r.step),
    ...(days !== undefined ? { attributionDays: Number(days) } : {}),
  });
  // Errors name the step's position in the list sent; map them back to the form's row numbers.
  const toRow = (errors: Errors): Errors =>
    Object.fromEntries(
      Object.entries(errors).map(([k, v]) => [
        k.replace(/^steps\.(\d+)/, (_, n: string) => `steps.${rows[Number(n)]?.index ?? n}`),
        v,
      ]),
    );
  if (!parsed.success) return renderJourney(c, { values: f, errors: toRow(issueErrors(parsed.error.issues)) }, 400);
  const { db, m, now } = ctx(c);
  try {
    await putJourney(db, m, parsed.data, now, c.get("deps").sendGuard);
  } catch (err) {
    return renderJourney(c, { values: f, errors: toRow(domainErrors(err)) }, 400);
  }
  return c.redirect("/console/journeys?ok=saved", 303);
});

campaignPages.post("/journeys/run", async (c) => {
  const { db, m, now } = ctx(c);
  const r = await runJourneyPass(db, m, now, c.get("deps").sendGuard);
  if (r.queued > 0) wakeDeliveryWorkers();
  return c.redirect(`/console/journeys?ok=ran&queued=${r.queued}`, 303);
});
