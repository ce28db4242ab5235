/**
 * /v1 routes declared once: the OpenAPI entry and the handler come from one call, so the path, the body and the query
 * a handler parses are the ones the document shows. The path is written OpenAPI style (/v1/members/{id}); the Hono
 * path (/members/:id, mounted under /v1) is derived from it. Handlers get what nearly all of them read from the
 * context: the database, the calling merchant, the clock's now, the parsed body and query, and the path's parameters.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AppDeps } from "../deps.ts";
import type { Db } from "../db/types.ts";
import type { AppEnv } from "./env.ts";
import { doc, type RouteDoc } from "./openapi.ts";
import { parseBody, parseQuery } from "./validate.ts";

/** Route modules may take `ints` from here; it lives in lib/schemas, where domain schemas (no HTTP) reach it too. */
export { ints } from "../lib/schemas/fields.ts";

type Method = RouteDoc["method"];

/** The parameter names of an OpenAPI path: "/v1/members/{id}/offers/{offerId}" → "id" | "offerId". */
type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | PathParams<Rest> : never;

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined>
  extends Omit<RouteDoc, "method" | "path" | "tag" | "body" | "query"> {
  /** Defaults to the tag of the route group. */
  tag?: string;
  /** Parsed from the JSON body (400 with field paths) before the handler runs, and documented. */
  body?: B;
  /** Documented instead of `body` where the parsing schema cannot be shown as JSON Schema. */
  documentedBody?: z.ZodType;
  /** Parsed from the query string before the handler runs, and documented. */
  query?: Q;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteCall<P extends string, B, Q> {
  c: Context<AppEnv>;
  db: Db;
  merchantId: string;
  deps: AppDeps;
  now: Date;
  body: Parsed<B>;
  query: Parsed<Q>;
  /** A `{name}` of the path (another name does not typecheck). */
  param(name: PathParams<P>): string;
}

/**
 * A handler answers with a Response, or with the JSON body of the route's one documented success status (a route
 * documenting two, such as 201 created / 200 replayed, answers with a Response).
 */
type Handler<P extends string, B, Q> = (call: RouteCall<P, B, Q>) => Promise<Response | JsonBody> | Response | JsonBody;

/** What a handler may answer as JSON. */
export type JsonBody = Parameters<Context["json"]>[0];

type Add = <P extends string, B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  path: P,
  spec: RouteSpec<B, Q>,
  handler: Handler<P, B, Q>,
) => void;

export type ApiRoutes = Record<Method, Add>;

/** The one 2xx status a route documents (the status of a plain JSON answer); undefined if it documents several. */
function successStatus(method: Method, path: string, responses: RouteDoc["responses"]): ContentfulStatusCode {
  const ok = Object.keys(responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 300);
  const [status] = ok;
  if (ok.length > 1 || status === undefined || status === 204) return 200;
  if (!isContentful(status)) throw new Error(`${method} ${path}: ${status} cannot carry a JSON body`);
  return status;
}

const isContentful = (s: number): s is ContentfulStatusCode => s !== 101 && s !== 204 && s !== 205 && s !== 304;

/** The Hono path of an OpenAPI /v1 path: "/v1/members/{id}" → "/members/:id". */
export function honoPath(path: string): string {
  if (!path.startsWith("/v1/")) throw new Error(`not a /v1 path: ${path}`);
  return path.slice("/v1".length).replace(/\{(\w+)\}/g, ":$1");
}

/** Adds routes to `app` (mounted under /v1), documented under `tag` unless a route says otherwise. */
export function apiRoutes(app: Hono<AppEnv>, tag: string): ApiRoutes {
  const add = (method: Method): Add =>
    function route<P extends string, B extends z.ZodType | undefined, Q extends z.ZodType | undefined>(
      path: P,
      spec: RouteSpec<B, Q>,
      handler: Handler<P, B, Q>,
    ) {
      const { documentedBody, tag: ownTag, ...rest } = spec;
      const success = successStatus(method, path, spec.responses);
      doc({ ...rest, method, path, tag: ownTag ?? tag, body: documentedBody ?? spec.body, query: spec.query });
      app[method](honoPath(path), async (c) => {
        const body = spec.body ? await parseBody(c, spec.body) : undefined;
        const query = spec.query ? parseQuery(c, spec.query) : undefined;
        const deps = c.get("deps");
        const result = await handler({
          c,
          db: c.get("db"),
          merchantId: c.get("merchantId"),
          deps,
          now: deps.clock.now(),
          // Present exactly when the spec has the schema (Parsed<undefined> is undefined).
          body: body as Parsed<B>,
          query: query as Parsed<Q>,
          param: (name) => c.req.param(name) ?? "",
        });
        return result instanceof Response ? result : c.json(result, success);
      });
    };
  return { get: add("get"), post: add("post"), put: add("put"), patch: add("patch"), delete: add("delete") };
}

/**
 * A route file's group: its own Hono app (which the file exports, Hono style, after its routes; app.ts mounts it under
 * /v1) and the routes added to it, documented under `tag`.
 */
export function apiGroup(tag: string): ApiRoutes & { app: Hono<AppEnv> } {
  const app = new Hono<AppEnv>();
  return { ...apiRoutes(app, tag), app };
}

/** The words of a settings route: summary, description and what the 200 answer is. */
interface SettingsDoc {
  summary: string;
  description?: string;
  answer: string;
}

/**
 * GET and PUT of one merchant settings document (`store`: its key of `merchants.settings`): the GET answers what is
 * stored or the defaults, the PUT replaces the whole document (fields left out take their defaults) and answers it.
 */
export function settingsRoutes<T>(
  api: ApiRoutes,
  path: string,
  schema: z.ZodType<T>,
  store: { get(db: Db, merchantId: string): Promise<T>; put(db: Db, merchantId: string, s: T, now: Date): Promise<T> },
  docs: { get: SettingsDoc; put: SettingsDoc },
): void {
  const { answer: read, ...getDoc } = docs.get;
  const { answer: stored, ...putDoc } = docs.put;
  api.get(path, { ...getDoc, responses: ok(read, schema) }, ({ db, merchantId }) => store.get(db, merchantId));
  api.put(path, { ...putDoc, body: schema, responses: ok(stored, schema) }, ({ db, merchantId, now, body }) =>
    store.put(db, merchantId, body, now),
  );
}

/** A page of `item`s under `key`, with the cursor of the next page (null on the last). */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T) {
  const items = { [key]: z.array(item) } as Record<K, z.ZodArray<T>>;
  return z.object({ ...items, next: z.string().nullable() });
}

/** A route's refusals by status, each with what it means: `{ 404: "member-not-found", 409: "…" }`. */
export type Refusals = Record<number, string>;

function answers(status: number, description: string, schema: z.ZodType | undefined, refusals: Refusals) {
  const responses: RouteDoc["responses"] = {};
  for (const [s, d] of Object.entries(refusals)) responses[Number(s)] = { description: d };
  responses[status] = schema ? { description, schema } : { description };
  return responses;
}

/** 200 with `schema`, and the route's refusals. */
export function ok(description: string, schema: z.ZodType, refusals: Refusals = {}): RouteDoc["responses"] {
  return answers(200, description, schema, refusals);
}

/** 201 with the created thing, and the route's refusals. */
export function created(description: string, schema: z.ZodType, refusals: Refusals = {}): RouteDoc["responses"] {
  return answers(201, description, schema, refusals);
}

/**
 * 201 when the call made the thing now, 200 when it stood already (replayed, unchanged, replaced): both with `schema`,
 * each with what it means; and the route's refusals.
 */
export function createdOrOk(
  schema: z.ZodType,
  descriptions: { 201: string; 200: string },
  refusals: Refusals = {},
): RouteDoc["responses"] {
  return { ...created(descriptions[201], schema, refusals), 200: { description: descriptions[200], schema } };
}

/** 204 (no body), and the route's refusals. */
export function noContent(description: string, refusals: Refusals = {}): RouteDoc["responses"] {
  return answers(204, description, undefined, refusals);
}

/** The answers of a read by id: 200 with the thing, 404 when the calling merchant has no such thing. */
export function found(description: string, schema: z.ZodType, missing: string): RouteDoc["responses"] {
  return ok(description, schema, { 404: missing });
}

/** A list of `item`s under `key`. */
export function listOf<K extends string, T extends z.ZodType>(key: K, item: T) {
  const items = { [key]: z.array(item) } as Record<K, z.ZodArray<T>>;
  return z.object(items);
}
