/**
 * The merchant console under /console: server-rendered pages (Hono JSX + htmx) over the domain services, the same
 * on Node and Workers. Sign-in exchanges an API key for a server-side session (cookie: HttpOnly, SameSite=Strict,
 * Secure on https); every form post must come from this origin (Origin check, on top of SameSite=Strict).
 */
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { renderSVG } from "uqr";
import { z } from "zod";
import { INT4_MAX, MAX_POINTS } from "../lib/validate.ts";
import type { ConsoleEnv } from "./env.ts";
import { DomainError } from "../lib/errors.ts";
import { summary } from "../analytics/service.ts";
import { getMerchant } from "../merchants/service.ts";
import { memberView, requireMember, searchMembers } from "../members/service.ts";
import { getProgram, putProgram } from "../program/service.ts";
import { ledgerPage, openLots } from "../ledger/ledger.ts";
import { adjust, createReward, listRewards, updateReward } from "../rewards/service.ts";
import { CreateRewardSchema } from "../rewards/schemas.ts";
import { createLinkCode } from "../links/service.ts";
import { telegramBotUsername } from "../channels/bot-info.ts";
import { newId } from "../lib/ids.ts";
import { ASSETS } from "./assets.generated.ts";
import { CONSOLE_COPY, consoleLang } from "./copy.ts";
import { findSession, SESSION_MS, signIn, signOut } from "./sessions.ts";
import { forbiddenPage, notFoundPage, signInPage } from "./views.ts";
import { ProgramFormSchema, programFormValues, programPage, validateProgram } from "./program-page.ts";
import { previewFragment, SEGMENT_COPY, segmentHistoryPage, segmentsPage } from "./segments-page.ts";
import { auditExport, EXPORT_PURPOSES, type ExportPurpose, segmentCsvStream } from "../segments/export.ts";
import { domainErrors, isoToLocal } from "./kit.ts";
import { SegmentInputSchema } from "../segments/rule.ts";
import {
  createSegment,
  deleteSegment,
  listSegments,
  previewSegment,
  requireSegment,
  segmentVersionList,
  updateSegment,
} from "../segments/service.ts";
import { eraseMember, exportMember } from "../privacy/member-data.ts";
import { auditConsoleWrites } from "../privacy/routes.ts";
import { erasedFlash } from "./privacy-card.ts";
import { memberPage, memberRows, membersPage, overviewPage, rewardsPage } from "./pages.ts";
import { campaignPages } from "./campaigns-routes.ts";
import { catalogPages } from "./catalog-routes.ts";
import { referralPages } from "./referrals-routes.ts";
import { budgetPages } from "./budget-routes.ts";
import { surveyPages } from "./surveys-routes.ts";
import { storePages } from "./stores-routes.ts";
import { storeFilter } from "./stores-page.ts";
import { listStores, storeView } from "../stores/service.ts";
import { integrationConsoleRoutes } from "./integrations/routes.ts";

type C = Context<ConsoleEnv>;

export const SESSION_COOKIE = "cl_session";
const LANG_COOKIE = "cl_lang";

/** Scripts, styles and forms from this origin only; no inline script or style, never framed. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

export const consoleRoutes = new Hono<ConsoleEnv>();

const isHttps = (c: C) => {
  const pub = c.get("deps").config.PUBLIC_URL;
  return new URL(c.req.url).protocol === "https:" || (pub?.startsWith("https:") ?? false);
};

/** The origins a form may be posted from: this request's own, and PUBLIC_URL's (behind a TLS proxy). */
function allowedOrigin(c: C, origin: string): boolean {
  if (origin === new URL(c.req.url).origin) return true;
  const pub = c.get("deps").config.PUBLIC_URL;
  return pub !== undefined && origin === new URL(pub).origin;
}

consoleRoutes.use(async (c, next) => {
  c.set("lang", consoleLang(getCookie(c, LANG_COOKIE)));
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    const origin = c.req.header("origin");
    if (!origin || !allowedOrigin(c, origin)) return c.html(forbiddenPage(c.get("lang")), 403);
  }
  await next();
  c.res.headers.set("content-security-policy", CONSOLE_CSP);
  // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` on form posts, which the Origin
  // check must refuse. Other sites still get no referrer.
  c.res.headers.set("referrer-policy", "same-origin");
  if (!c.req.path.startsWith("/console/assets/")) c.res.headers.set("cache-control", "no-store");
});

consoleRoutes.get("/assets/:name", (c) => {
  const name = c.req.param("name");
  const body = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (body === undefined) return c.text("not found", 404);
  return c.body(body, 200, {
    "content-type": TYPES[name.split(".").pop()!] ?? "application/octet-stream",
    // Pages link `?v=<hash of all assets>`: a new build is a new URL.
    "cache-control": "public, max-age=31536000, immutable",
  });
});

consoleRoutes.get("/sign-in", (c) => c.html(signInPage(c.get("lang"))));

consoleRoutes.post("/sign-in", async (c) => {
  const form = await c.req.parseBody();
  const key = typeof form.apiKey === "string" ? form.apiKey : "";
  const sessionId = await signIn(c.get("db"), key, c.get("deps").clock.now());
  if (!sessionId) return c.html(signInPage(c.get("lang"), CONSOLE_COPY[c.get("lang")].badKey), 401);
  setCookie(c, SESSION_COOKIE, sessionId, {
    path: "/console",
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    maxAge: SESSION_MS / 1000,
  });
  return c.redirect("/console", 303);
});

consoleRoutes.post("/sign-out", async (c) => {
  const sid = getCookie(c, SESSION_COOKIE);
  if (sid) await signOut(c.get("db"), sid);
  deleteCookie(c, SESSION_COOKIE, { path: "/console", secure: isHttps(c) });
  return c.redirect("/console/sign-in", 303);
});

consoleRoutes.post("/lang", async (c) => {
  const form = await c.req.parseBody();
  const lang = consoleLang(typeof form.lang === "string" ? form.lang : undefined);
  setCookie(c, LANG_COOKIE, lang, { path: "/console", sameSite: "Strict", maxAge: 365 * 86400, secure: isHttps(c) });
  const back = typeof form.back === "string" && /^\/console(\/[\w/-]*)?$/.test(form.back) ? form.back : "/console";
  return c.redirect(back, 303);
});

/** Everything below needs a session; without one, pages go to the sign-in page. */
consoleRoutes.use(async (c, next) => {
  const sid = getCookie(c, SESSION_COOKIE);
  const session = sid ? await findSession(c.get("db"), sid, c.get("deps").clock.now()) : undefined;
  if (!session) {
    if (sid) deleteCookie(c, SESSION_COOKIE, { path: "/console", secure: isHttps(c) });
    return c.redirect("/console/sign-in", 303);
  }
  c.set("consoleMerchantId", session.merchantId);
  c.set("actor", `console:${session.apiKeyId}`);
  c.set("logger", c.get("logger").child({ merchantId: session.merchantId }));
  await next();
});
consoleRoutes.use(auditConsoleWrites());

/** A 404 (another merchant's id, an unknown one) is the console's not-found page, never the other shop's data. */
consoleRoutes.onError((err, c) => {
  if (err instanceof DomainError && err.status === 404) return c.html(notFoundPage(c.get("lang") ?? "vi", true), 404);
  throw err;
});

const DAY = 86_400_000;

consoleRoutes.get("/", async (c) => {
  const db = c.get("db");
  const m = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  // ?store=: the order figures of one store (an id that is not one of the merchant's stores shows every order).
  const stores = (await listStores(db, m, "all")).map(storeView);
  const storeId = stores.find((s) => s.id === c.req.query("store"))?.id ?? null;
  const cur = await summary(db, m, now, 30, storeId);
  const prev = await summary(db, m, new Date(now.getTime() - 30 * DAY), 30, storeId);
  return c.html(overviewPage(c.get("lang"), cur, prev, storeFilter(c.get("lang"), stores, storeId)));
});

const searchQuery = (c: C) => (c.req.query("q") ?? "").slice(0, 100);

consoleRoutes.get("/members", async (c) => {
  const q = searchQuery(c);
  const rows = await searchMembers(c.get("db"), c.get("consoleMerchantId"), q);
  return c.html(membersPage(c.get("lang"), q, rows));
});

/** The htmx partial: the results table only. */
consoleRoutes.get("/members/search", async (c) => {
  const rows = await searchMembers(c.get("db"), c.get("consoleMerchantId"), searchQuery(c));
  return c.html(memberRows(c.get("lang"), rows).toString());
});

async function renderMember(
  c: C,
  id: string,
  extra: Partial<Parameters<typeof memberPage>[1]> = {},
  status: 200 | 400 | 409 = 200,
) {
  const db = c.get("db");
  const merchantId = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const m = await requireMember(db, merchantId, id);
  const view = await memberView(db, await getProgram(db, merchantId), m, now);
  const lots = await openLots(db, merchantId, m.id);
  const ledger = await ledgerPage(db, merchantId, m.id, 100);
  const merchant = await getMerchant(db, merchantId);
  return c.html(
    memberPage(c.get("lang"), {
      view,
      lots,
      ledger,
      timezone: merchant?.timezone ?? "Asia/Ho_Chi_Minh",
      idempotencyKey: newId("con"),
      erasedAt: m.erasedAt,
      ...extra,
    }),
    status,
  );
}

consoleRoutes.get("/members/:id", (c) => {
  const t = CONSOLE_COPY[c.get("lang")];
  return renderMember(c, c.req.param("id"), c.req.query("ok") === "adjusted" ? { flash: { text: t.adjusted } } : {});
});

const AdjustForm = z.object({
  points: z.coerce
    .number()
    .int()
    .min(-100_000_000)
    .max(100_000_000)
    .refine((v) => v !== 0, "must not be 0"),
  reason: z.string().trim().min(1).max(500),
  idempotencyKey: z.string().regex(/^con_[a-z0-9]{20}$/),
});

consoleRoutes.post("/members/:id/adjust", async (c) => {
  const id = c.req.param("id");
  const parsed = AdjustForm.safeParse(await c.req.parseBody());
  const t = CONSOLE_COPY[c.get("lang")];
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message]));
    return renderMember(c, id, { adjustErrors: errors, flash: { text: t.invalid, bad: true } }, 400);
  }
  const { points, reason, idempotencyKey } = parsed.data;
  try {
    await adjust(
      c.get("db"),
      c.get("consoleMerchantId"),
      id,
      points,
      reason,
      c.get("deps").clock.now(),
      idempotencyKey,
    );
  } catch (err) {
    if (err instanceof DomainError && err.status === 409)
      return renderMember(c, id, { flash: { text: err.message, bad: true } }, 409);
    throw err;
  }
  return c.redirect(`/console/members/${encodeURIComponent(id)}?ok=adjusted`, 303);
});

consoleRoutes.post("/members/:id/link-code", async (c) => {
  const db = c.get("db");
  const deps = c.get("deps");
  const merchantId = c.get("consoleMerchantId");
  const now = deps.clock.now();
  const member = await requireMember(db, merchantId, c.req.param("id"));
  const { code, expiresAt } = await createLinkCode(db, merchantId, member.id, now);
  const username = await telegramBotUsername(deps.config, db, now, c.get("logger"));
  const telegramLink = username ? `https://t.me/${username}?start=${code}` : null;
  // The QR code carries the Telegram deep link, or the bare code for a chat where it is typed.
  const qrSvg = renderSVG(telegramLink ?? code, { border: 2 });
  return renderMember(c, member.id, { link: { code, expiresAt, telegramLink, qrSvg } });
});

consoleRoutes.get("/members/:id/export", async (c) => {
  const data = await exportMember(
    c.get("db"),
    c.get("consoleMerchantId"),
    c.req.param("id"),
    c.get("deps").clock.now(),
  );
  c.header("content-disposition", `attachment; filename="member-${data.member.id as string}.json"`);
  return c.json(data);
});

consoleRoutes.post("/members/:id/erase", async (c) => {
  const id = c.req.param("id");
  const form = await c.req.parseBody();
  if (form.confirm !== "yes")
    return renderMember(c, id, { flash: { text: CONSOLE_COPY[c.get("lang")].invalid, bad: true } }, 400);
  const by = { channel: "console", actor: c.get("actor") };
  await eraseMember(c.get("db"), c.get("consoleMerchantId"), id, c.get("deps").clock.now(), by);
  return renderMember(c, id, { flash: { text: erasedFlash(c.get("lang")) } });
});

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const num = z.preprocess(emptyToUndefined, z.coerce.number().optional());

/** The form's strings into the API's CreateRewardSchema (the same validation as POST /v1/rewards). */
const RewardForm = z.object({
  name: z.string(),
  kind: z.string(),
  cost: num,
  value: num,
  stock: num,
  minTier: z.preprocess(emptyToUndefined, z.string().optional()),
});

consoleRoutes.get("/rewards", async (c) => {
  const t = CONSOLE_COPY[c.get("lang")];
  const rows = await listRewards(c.get("db"), c.get("consoleMerchantId"));
  const ok = c.req.query("ok");
  const flash = ok === "added" ? { text: t.rewardAdded } : ok === "saved" ? { text: t.rewardSaved } : undefined;
  return c.html(rewardsPage(c.get("lang"), rows, { flash }));
});

consoleRoutes.post("/rewards", async (c) => {
  const body = (await c.req.parseBody()) as Record<string, string>;
  const merchantId = c.get("consoleMerchantId");
  const form = RewardForm.safeParse(body);
  const parsed = form.success ? CreateRewardSchema.safeParse(form.data) : form;
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message]));
    const rows = await listRewards(c.get("db"), merchantId);
    return c.html(rewardsPage(c.get("lang"), rows, { errors, values: body }), 400);
  }
  await createReward(
    c.get("db"),
    merchantId,
    parsed.data as z.output<typeof CreateRewardSchema>,
    c.get("deps").clock.now(),
  );
  return c.redirect("/console/rewards?ok=added", 303);
});

const RewardEdit = z.object({
  cost: z.coerce.number().int().min(1).max(MAX_POINTS),
  stock: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(INT4_MAX).optional()),
});

consoleRoutes.post("/rewards/:id", async (c) => {
  const parsed = RewardEdit.safeParse(await c.req.parseBody());
  const merchantId = c.get("consoleMerchantId");
  if (!parsed.success) {
    const rows = await listRewards(c.get("db"), merchantId);
    const text = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    return c.html(rewardsPage(c.get("lang"), rows, { flash: { text, bad: true } }), 400);
  }
  await updateReward(c.get("db"), merchantId, c.req.param("id"), {
    cost: parsed.data.cost,
    stock: parsed.data.stock ?? null,
  });
  return c.redirect("/console/rewards?ok=saved", 303);
});

consoleRoutes.post("/rewards/:id/active", async (c) => {
  const form = await c.req.parseBody();
  await updateReward(c.get("db"), c.get("consoleMerchantId"), c.req.param("id"), { active: form.active === "true" });
  return c.redirect("/console/rewards?ok=saved", 303);
});

const timeZoneOf = async (c: C) =>
  (await getMerchant(c.get("db"), c.get("consoleMerchantId")))?.timezone ?? "Asia/Ho_Chi_Minh";

consoleRoutes.get("/program", async (c) => {
  const program = await getProgram(c.get("db"), c.get("consoleMerchantId"));
  const values = programFormValues(program, await timeZoneOf(c));
  return c.html(programPage(c.get("lang"), values, { saved: c.req.query("ok") === "saved" }));
});

consoleRoutes.post("/program", async (c) => {
  const form = ProgramFormSchema.parse(
    Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, v]) => typeof v === "string")),
  );
  const db = c.get("db");
  const merchantId = c.get("consoleMerchantId");
  const current = await getProgram(db, merchantId);
  const result = validateProgram(current, form, await timeZoneOf(c));
  if (!result.ok) return c.html(programPage(c.get("lang"), form, { errors: result.errors }), 400);
  await putProgram(db, merchantId, result.program, c.get("deps").clock.now());
  return c.redirect("/console/program?ok=saved", 303);
});

async function segmentRows(c: C) {
  const db = c.get("db");
  const merchantId = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const out = [];
  for (const g of await listSegments(db, merchantId))
    out.push({ ...g, count: (await previewSegment(db, merchantId, g.rule, now)).count });
  return out;
}

/** The form's name and rule text through the API's SegmentInputSchema; errors keyed by path. */
function parseSegmentForm(form: Record<string, unknown>) {
  const name = typeof form.name === "string" ? form.name : "";
  const text = typeof form.rule === "string" ? form.rule : "";
  let rule: unknown;
  try {
    rule = JSON.parse(text);
  } catch {
    return { values: { name, rule: text }, errors: { rule: "invalid JSON" } as Record<string, string> };
  }
  const parsed = SegmentInputSchema.safeParse({ name: name || "preview", rule });
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join(".") || "rule", i.message]));
    return { values: { name, rule: text }, errors };
  }
  return { values: { name, rule: text }, input: parsed.data };
}

consoleRoutes.get("/segments", async (c) => {
  const s = SEGMENT_COPY[c.get("lang")];
  const ok = c.req.query("ok");
  const text = ok === "saved" ? s.saved : ok === "deleted" ? s.deleted : undefined;
  // ?edit=<id> loads a custom segment of this merchant into the form (another shop's id → the 404 page).
  const editId = c.req.query("edit");
  const seg = editId ? await requireSegment(c.get("db"), c.get("consoleMerchantId"), editId) : undefined;
  const editing =
    seg && !seg.builtIn ? { editing: seg.id, values: { name: seg.name, rule: JSON.stringify(seg.rule) } } : {};
  return c.html(
    segmentsPage(c.get("lang"), await segmentRows(c), {
      created: ok === "created",
      ...(text ? { flash: { text } } : {}),
      ...editing,
    }),
  );
});

/**
 * GET /v1/segments/{id}/export for the console session: the same streamed CSV and the same audit entry (actor
 * console:<key id>, target this path). A missing or unknown purpose → the segments page with a 400 flash.
 */
consoleRoutes.get("/segments/:id/export", async (c) => {
  const db = c.get("db");
  const merchantId = c.get("consoleMerchantId");
  const now = c.get("deps").clock.now();
  const seg = await requireSegment(db, merchantId, c.req.param("id"));
  const purpose = c.req.query("purpose");
  if (!(EXPORT_PURPOSES as readonly string[]).includes(purpose ?? "")) {
    const text = SEGMENT_COPY[c.get("lang")].badPurpose;
    return c.html(segmentsPage(c.get("lang"), await segmentRows(c), { flash: { text, bad: true } }), 400);
  }
  const p = purpose as ExportPurpose;
  const stream = await segmentCsvStream(db, merchantId, seg.rule, p, now);
  await auditExport(
    db,
    { merchantId, actor: c.get("actor"), target: c.req.path, requestId: c.get("requestId"), purpose: p },
    now,
  );
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "cache-control": "no-store",
      "content-disposition": `attachment; filename="segment-${seg.id}-${p}.csv"`,
    },
  });
});

/** GET /v1/segments/{id}/versions as a page: still there after the segment is deleted; never had → the 404 page. */
consoleRoutes.get("/segments/:id/history", async (c) => {
  const id = c.req.param("id");
  const versions = await segmentVersionList(c.get("db"), c.get("consoleMerchantId"), id);
  const tz = await timeZoneOf(c);
  const when = (iso: string) => isoToLocal(iso, tz).replace("T", " ");
  return c.html(segmentHistoryPage(c.get("lang"), { id, name: versions[0]!.name }, versions, when));
});

/** htmx: the live count and sample for the rule being typed (nothing is saved). */
consoleRoutes.post("/segments/preview", async (c) => {
  const r = parseSegmentForm(await c.req.parseBody());
  if (!r.input) return c.html(previewFragment(c.get("lang"), { errors: r.errors }).toString());
  const db = c.get("db");
  const preview = await previewSegment(db, c.get("consoleMerchantId"), r.input.rule, c.get("deps").clock.now());
  return c.html(previewFragment(c.get("lang"), preview).toString());
});

consoleRoutes.post("/segments", async (c) => {
  const r = parseSegmentForm(await c.req.parseBody());
  if (!r.input || r.values.name.trim() === "") {
    const errors = { ...(r.errors ?? {}), ...(r.values.name.trim() === "" ? { name: "required" } : {}) };
    return c.html(segmentsPage(c.get("lang"), await segmentRows(c), { errors, values: r.values }), 400);
  }
  try {
    await createSegment(c.get("db"), c.get("consoleMerchantId"), r.input, c.get("deps").clock.now(), c.get("actor"));
  } catch (err) {
    // The service's own checks (e.g. a duplicate name) are shown in place, like the schema's.
    if (!(err instanceof DomainError) || err.status === 404 || err.status >= 500) throw err;
    const errors = Object.fromEntries(
      (err.errors ?? [{ path: "name", message: err.message }]).map((e) => [e.path, e.message]),
    );
    return c.html(segmentsPage(c.get("lang"), await segmentRows(c), { errors, values: r.values }), 400);
  }
  return c.redirect("/console/segments?ok=created", 303);
});

/** PUT /v1/segments/{id} semantics: rename and/or replace the rule of a custom segment. */
consoleRoutes.post("/segments/:id", async (c) => {
  const id = c.req.param("id");
  const r = parseSegmentForm(await c.req.parseBody());
  const again = async (errors: Record<string, string>) =>
    c.html(segmentsPage(c.get("lang"), await segmentRows(c), { errors, values: r.values, editing: id }), 400);
  if (!r.input || r.values.name.trim() === "")
    return again({ ...(r.errors ?? {}), ...(r.values.name.trim() === "" ? { name: "required" } : {}) });
  try {
    await updateSegment(
      c.get("db"),
      c.get("consoleMerchantId"),
      id,
      r.input,
      c.get("deps").clock.now(),
      c.get("actor"),
    );
  } catch (err) {
    return again(domainErrors(err, "name"));
  }
  return c.redirect("/console/segments?ok=saved", 303);
});

/** DELETE /v1/segments/{id} semantics: refused in place while a campaign or the journey uses it. */
consoleRoutes.post("/segments/:id/delete", async (c) => {
  try {
    await deleteSegment(
      c.get("db"),
      c.get("consoleMerchantId"),
      c.req.param("id"),
      c.get("deps").clock.now(),
      c.get("actor"),
    );
  } catch (err) {
    const text = Object.values(domainErrors(err)).join("; ");
    return c.html(segmentsPage(c.get("lang"), await segmentRows(c), { flash: { text, bad: true } }), 409);
  }
  return c.redirect("/console/segments?ok=deleted", 303);
});

// Campaigns, journeys, catalog and recommendations: their own files, behind the same session and Origin checks.
consoleRoutes.route("/", campaignPages);
consoleRoutes.route("/", catalogPages);
consoleRoutes.route("/", referralPages);
consoleRoutes.route("/", budgetPages);
consoleRoutes.route("/", surveyPages);
consoleRoutes.route("/", storePages);
// Shop connections (src/console/integrations/), behind the same session and Origin checks.
consoleRoutes.route("/", integrationConsoleRoutes);
