/** Request parsing: JSON bodies and query strings validated by zod; failures become 400 problems with field paths. */
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { badTextReason, findBadText, MAX_ID_LENGTH } from "../lib/validate.ts";
import type { FieldError } from "../lib/errors.ts";
import { validationProblem, zodProblem } from "./problem.ts";

/** Reads the body as JSON; an empty body is `undefined`. Malformed JSON → 400 `validation` (the body itself, path ""). */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw validationProblem([{ path: "", message: "malformed JSON" }], "The request body is not valid JSON");
  }
  // NUL and lone surrogates anywhere in the body (also in fields a schema passes through untouched).
  const bad = findBadText(json);
  if (bad.length > 0) throw validationProblem(bad, `${bad[0]?.path || "body"}: ${bad[0]?.message}`);
  return json;
}

export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const raw = await readJson(c);
  const result = schema.safeParse(raw === undefined ? {} : raw);
  if (!result.success) throw zodProblem(result.error);
  return result.data;
}

/** Like parseBody, also returning the raw JSON (for idempotency hashing of "JSON-equal" bodies). */
export async function parseBodyWithRaw<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<{ data: z.output<S>; raw: unknown }> {
  const raw = (await readJson(c)) ?? {};
  const result = schema.safeParse(raw);
  if (!result.success) throw zodProblem(result.error);
  return { data: result.data, raw };
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw zodProblem(result.error);
  return result.data;
}

/**
 * Path segments and query values of every request: NUL, lone surrogates (as malformed percent-encoded UTF-8) and
 * over-long ids are refused with a 400 before any route sees them. Field paths: `path.<segment>` / `query.<name>`.
 */
export function rejectBadParams(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const errors: FieldError[] = [];
    const segments = url.pathname.split("/").slice(1);
    segments.forEach((raw, i) => {
      let seg: string;
      try {
        seg = decodeURIComponent(raw);
      } catch {
        errors.push({ path: `path.${i}`, message: "not valid percent-encoded UTF-8" });
        return;
      }
      const reason =
        badTextReason(seg) ?? (seg.length > MAX_ID_LENGTH ? `longer than ${MAX_ID_LENGTH} characters` : undefined);
      if (reason) errors.push({ path: `path.${i}`, message: reason });
    });
    if (url.search.length > 1) {
      for (const pair of url.search.slice(1).split("&")) {
        const [k = "", v = ""] = pair.split("=");
        let key: string;
        let value: string;
        try {
          key = decodeURIComponent(k.replaceAll("+", " "));
          value = decodeURIComponent(v.replaceAll("+", " "));
        } catch {
          errors.push({ path: `query.${k}`, message: "not valid percent-encoded UTF-8" });
          continue;
        }
        const reason = badTextReason(key) ?? badTextReason(value);
        if (reason) errors.push({ path: `query.${badTextReason(key) ? "" : key}`, message: reason });
      }
    }
    if (errors.length > 0) throw validationProblem(errors, `${errors[0]?.path}: ${errors[0]?.message}`);
    await next();
  };
}
