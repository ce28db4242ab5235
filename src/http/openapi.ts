/**
 * The OpenAPI 3.1 document, built from the same zod schemas the handlers validate with (zod → JSON Schema 2020-12,
 * which OpenAPI 3.1 uses as is). Route modules call `doc()` next to their handler.
 */
import { z } from "zod";

export interface RouteDoc {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI style: /v1/members/{id} */
  path: string;
  summary: string;
  tag: string;
  description?: string;
  body?: z.ZodType;
  /** A non-JSON request body (e.g. a CSV upload). */
  rawBody?: { contentType: string; description: string };
  query?: z.ZodType;
  /** Header parameters such as Idempotency-Key. */
  headers?: { name: string; required: boolean; description: string }[];
  /** `contentType`: a non-JSON answer (e.g. a CSV download), documented as a string of that media type. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  auth?: boolean;
}

const docs: RouteDoc[] = [];

export function doc(d: RouteDoc): void {
  const i = docs.findIndex((x) => x.method === d.method && x.path === d.path);
  if (i >= 0) docs[i] = d;
  else docs.push(d);
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

const problemSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", format: "uri" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errors: {
      type: "array",
      items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
    },
  },
};

export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of docs) {
    const params: unknown[] = [];
    for (const m of d.path.matchAll(/\{(\w+)\}/g))
      params.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    if (d.query) {
      const qs = jsonSchema(d.query, "input");
      const props = (qs.properties ?? {}) as Record<string, unknown>;
      const required = new Set((qs.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries(props))
        params.push({ name, in: "query", required: required.has(name), schema });
    }
    for (const h of d.headers ?? [])
      params.push({
        name: h.name,
        in: "header",
        required: h.required,
        description: h.description,
        schema: { type: "string" },
      });
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(d.responses)) {
      const isError = Number(status) >= 400;
      responses[status] = {
        description: r.description,
        ...(r.contentType
          ? { content: { [r.contentType]: { schema: { type: "string" } } } }
          : r.schema
            ? { content: { "application/json": { schema: jsonSchema(r.schema, "output") } } }
            : isError
              ? { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } }
              : {}),
      };
    }
    if (d.auth !== false) {
      responses["401"] ??= {
        description: "Missing or unknown API key",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    if (d.body)
      responses["400"] ??= {
        description: "Validation failed",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    (paths[d.path] ??= {})[d.method] = {
      summary: d.summary,
      ...(d.description ? { description: d.description } : {}),
      tags: [d.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(d.body
        ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(d.body, "input") } } } }
        : d.rawBody
          ? {
              requestBody: {
                required: true,
                description: d.rawBody.description,
                content: { [d.rawBody.contentType]: { schema: { type: "string" } } },
              },
            }
          : {}),
      responses,
      ...(d.auth === false ? { security: [] } : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "chatloyalty merchant API",
      version: "1.0.0",
      description:
        "Points ledger, tiers, rewards, offers and campaigns for merchants whose customers chat on Telegram and Zalo. Amounts are integers in the currency's minor unit; points are integers. Errors are RFC 9457 problem+json.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "The merchant's API key" } },
      schemas: { Problem: problemSchema },
    },
    paths,
  };
}
