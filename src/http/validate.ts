/** Request parsing: JSON bodies and query strings validated by zod; failures become 400 problems with field paths. */
import type { Context } from "hono";
import type { z } from "zod";
import { validationProblem, zodProblem } from "./problem.ts";

/** Reads the body as JSON; an empty body is `undefined`. Malformed JSON → 400 `validation` (the body itself, path ""). */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw validationProblem([{ path: "", message: "malformed JSON" }], "The request body is not valid JSON");
  }
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
