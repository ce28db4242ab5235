/**
 * The app factory: one Hono app for every runtime (Node, Workers, tests). Runtime entries inject the database,
 * clock, config and logger; channel modules (bots/) plug in their webhook routes through `plugins`.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { AppDeps } from "./deps.ts";
import { resolveDb } from "./deps.ts";
import type { AppEnv } from "./http/env.ts";
import { asProblem, Problem, problemResponse } from "./http/problem.ts";
import { apiKeyAuth } from "./http/auth.ts";
import { doc, openApiDocument } from "./http/openapi.ts";
import { programRoutes } from "./program/routes.ts";
import { memberRoutes } from "./members/routes.ts";
import { subscriptionRoutes } from "./members/subscriptions.ts";
import { creditRoutes } from "./members/credit.ts";
import { orderRoutes } from "./orders/routes.ts";
import { rewardRoutes } from "./rewards/routes.ts";
import { jobRoutes } from "./jobs/routes.ts";
import { segmentRoutes } from "./segments/routes.ts";
import { campaignRoutes } from "./campaigns/routes.ts";
import { journeyRoutes } from "./journeys/routes.ts";
import { surveyRoutes } from "./surveys/routes.ts";
import { storeRoutes } from "./stores/routes.ts";
import { znsRoutes } from "./zns/routes.ts";
import { budgetRoutes } from "./budget/routes.ts";
import { linkRoutes } from "./links/routes.ts";
import { referralRoutes } from "./referrals/routes.ts";
import { analyticsRoutes } from "./analytics/routes.ts";
import { recsModelRoutes } from "./recs/model-routes.ts";
import { offerRoutes } from "./offers/routes.ts";
import { catalogRoutes } from "./catalog/routes.ts";
import { webhookRoutes } from "./webhooks/routes.ts";
import { llmRoutes } from "./llm/routes.ts";
import { cardPageRoutes, cardScanRoutes } from "./cards/routes.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { healthRoute, outageResponse } from "./http/outage.ts";
import { consoleRoutes } from "./console/routes.ts";
import { rejectBadParams } from "./http/validate.ts";
import { isDataException } from "./db/errors.ts";
import { sitePages } from "./site/routes.ts";
import { metricsRoute, requestMetrics } from "./http/metrics.ts";
import { hookRoutes, integrationRoutes } from "./integrations/routes.ts";
import { auditWrites, privacyRoutes } from "./privacy/routes.ts";

export type AppPlugin = (app: Hono<AppEnv>, deps: AppDeps) => void;

export const MAX_BODY_BYTES = 1024 * 1024;

/** Routes under /v1, all behind the API key. */
const v1Modules: Hono<AppEnv>[] = [
  programRoutes,
  memberRoutes,
  subscriptionRoutes,
  creditRoutes,
  orderRoutes,
  rewardRoutes,
  storeRoutes,
  jobRoutes,
  linkRoutes,
  referralRoutes,
  analyticsRoutes,
  segmentRoutes,
  campaignRoutes,
  journeyRoutes,
  surveyRoutes,
  znsRoutes,
  budgetRoutes,
  recsModelRoutes,
  llmRoutes,
  offerRoutes,
  cardScanRoutes,
  catalogRoutes,
  webhookRoutes,
  integrationRoutes,
  privacyRoutes,
];

/** `GET /healthz` bodies (not under /v1: load balancers probe it without a key); `x-version` header on both. */
const healthySchema = z.object({ status: z.literal("ok") });
const unhealthySchema = z.object({
  status: z.literal("error"),
  version: z.string(),
  database: z.literal("down"),
  detail: z.string(),
});
doc({
  method: "get",
  path: "/healthz",
  tag: "Health",
  summary: "Liveness: the process answers and its database is reachable",
  auth: false,
  responses: {
    200: { description: "Up (the database answered)", schema: healthySchema },
    503: { description: "Database unreachable", schema: unhealthySchema },
  },
});

export function createApp(deps: AppDeps, plugins: AppPlugin[] = []): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId =
      incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : `req_${crypto.randomUUID().replaceAll("-", "")}`;
    const logger = deps.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("logger", logger);
    c.set("deps", deps);
    c.set("db", resolveDb(deps));
    const started = Date.now();
    await next();
    c.header("x-request-id", requestId);
    // Paths only: query strings may carry tokens and are never logged.
    logger.info("request", { method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
  });

  app.use(securityHeaders());
  app.use(requestMetrics());

  const tooLarge = () =>
    problemResponse(
      new Problem(
        413,
        "payload-too-large",
        "Payload too large",
        `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
      ),
    );
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  app.use(async (c, next) => {
    // bodyLimit's own decision for a declared length, taken from the headers: bodyLimit first touches the body
    // stream, which makes @hono/node-server build a web Request and lose its fast body read (~0.3 ms a request).
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (Number.parseInt(length, 10) > MAX_BODY_BYTES) return tooLarge();
      await next();
      return;
    }
    return limit(c, next);
  });

  app.use(rejectBadParams());

  app.onError((err, c) => {
    const problem = asProblem(err);
    if (problem) return problemResponse(problem, { "x-request-id": c.get("requestId") ?? "" });
    const outage = outageResponse(err, c);
    if (outage) return outage;
    if (isDataException(err)) {
      // A value the validation layer let through but the database refused (the transaction rolled back).
      (c.get("logger") ?? deps.logger).warn("database refused a value", { error: err });
      return problemResponse(
        new Problem(400, "validation", "Validation failed", "A value is out of the range the server can store", [
          { path: "", message: "database refused the value" },
        ]),
      );
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      return problemResponse(
        new Problem(
          status,
          status === 413 ? "payload-too-large" : "http-error",
          err.message || "Error",
          err.message || "Error",
        ),
      );
    }
    (c.get("logger") ?? deps.logger).error("unhandled error", { error: err });
    return problemResponse(
      new Problem(
        500,
        "internal",
        "Internal error",
        "Something went wrong; the request id identifies it in the logs",
        undefined,
        { requestId: c.get("requestId") },
      ),
    );
  });

  app.notFound((c) =>
    problemResponse(new Problem(404, "not-found", "Not found", `No route for ${c.req.method} ${c.req.path}`)),
  );

  app.get("/healthz", healthRoute);
  app.get("/metrics", metricsRoute);

  // `/` (landing page) and `/docs` (the interactive API reference).
  app.route("/", sitePages(deps.assets));

  // The old read-only dashboard moved into the console (its overview; sign-in by session, not a key in the tab).
  app.get("/dashboard", (c) => c.redirect("/console", 302));

  // The loyalty card page (Telegram Mini App / simulator) and its own session API (not behind the API key).
  app.route("/", cardPageRoutes);

  // The merchant console (server-rendered pages; sign-in exchanges an API key for a session cookie).
  app.route("/console", consoleRoutes);

  // Shop-system webhook receivers (no API key: each platform's signature authenticates the delivery).
  app.route("/", hookRoutes);

  app.get("/v1/openapi.json", (c) => c.json(openApiDocument(deps.config.PUBLIC_URL)));

  const v1 = new Hono<AppEnv>();
  v1.use(apiKeyAuth());
  // Every successful write is audited; a settings PUT also reads its document before (through this same app).
  v1.use(auditWrites(async (path, authorization) => app.request(path, { headers: { authorization } })));
  for (const m of v1Modules) v1.route("/", m);
  app.route("/v1", v1);

  for (const plugin of plugins) plugin(app, deps);
  return app;
}
