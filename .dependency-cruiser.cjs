/**
 * The layer rules of docs/architecture.md, checked by `npm run lint:deps`.
 *
 * - `bots/` (chat channels) uses `src/`; `src/` never imports `bots/`, except the runtime entries that wire the
 *   channels into a process (src/node.ts, src/worker.ts, src/runtime/**).
 * - One channel adapter folder under bots/ never imports another: bots/core (the conversation core) and
 *   bots/index.ts (the channel registry) are the shared parts.
 * - Domain code knows nothing of HTTP: only the HTTP layer (src/http/**, src/app.ts, route modules, runtime entries,
 *   and the chat webhooks that are HTTP handlers themselves) imports src/http.
 * - No cycles between the capability folders of src/ (a folder may depend on another only one way).
 *
 * TypeScript 7 has no JS compiler API for dependency-cruiser, so it parses with swc.
 */

/** Processes that wire everything together: allowed to reach both src/ and bots/. */
const RUNTIME_ENTRIES = ["^src/node\\.ts$", "^src/worker\\.ts$", "^src/runtime/"];

/** Modules that are HTTP glue: they may use the HTTP layer (env types, validation, problem+json, OpenAPI docs). */
const HTTP_GLUE = [
  "^src/http/",
  "^src/app\\.ts$",
  // route modules: routes.ts, and the few named after their sub-resource
  "(^|/)routes\\.ts$",
  "^src/recs/model-routes\\.ts$",
  "^src/console/env\\.ts$", // the console's Hono env type (its route modules import it, avoiding a cycle)
  "^src/members/credit\\.ts$",
  "^src/members/subscriptions\\.ts$",
  // the chat channels' webhook handlers and the web simulator's endpoints are Hono handlers
  "^bots/core/webhook\\.ts$",
  "^bots/[^/]+/webhook\\.ts$",
  "^bots/web/channel\\.ts$",
  ...RUNTIME_ENTRIES,
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "src-not-to-bots",
      comment: "src/ never imports bots/ (chat uses the domain, not the other way); runtime entries wire both.",
      severity: "error",
      from: { path: "^src/", pathNot: [...RUNTIME_ENTRIES] },
      to: { path: "^bots/" },
    },
    {
      name: "no-cross-channel",
      comment: "One channel adapter never imports another; shared code lives in bots/core (or bots/index.ts).",
      severity: "error",
      from: { path: "^bots/([^/]+)/", pathNot: "^bots/core/" },
      to: { path: "^bots/", pathNot: ["^bots/$1/", "^bots/core/", "^bots/index\\.ts$"] },
    },
    {
      name: "core-not-to-channels",
      comment: "The conversation core is shared by every channel, so it never imports a channel adapter.",
      severity: "error",
      from: { path: "^bots/core/" },
      to: { path: "^bots/", pathNot: ["^bots/core/"] },
    },
    {
      name: "domain-not-to-http",
      comment: "Domain code throws DomainError (src/lib/errors.ts); only the HTTP layer knows problem+json.",
      severity: "error",
      from: { pathNot: HTTP_GLUE },
      to: { path: "^src/http/" },
    },
    {
      name: "no-circular",
      comment: "No module-level import cycles.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^(src|bots)/",
    parser: "swc",
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
