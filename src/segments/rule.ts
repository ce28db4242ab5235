/**
 * The segment rule language (pure): a recursive zod schema whose validation errors carry the dotted path of the
 * offending node (`rule.all.0.field`), plus the field catalogue the compiler and the docs share.
 *
 *   Rule      = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition
 *   Condition = { field, op, value, windowDays? }
 */
import { z } from "zod";

export const NUMBER_FIELDS = [
  "daysSinceLastOrder",
  "orderCount",
  "netSpend",
  "pointsBalance",
  "birthdayMonth",
] as const;
export const STRING_FIELDS = ["tier", "purchasedCategory", "purchasedSku", "store", "language", "channel"] as const;
export const BOOLEAN_FIELDS = ["optedIn"] as const;
export const FIELDS = [...NUMBER_FIELDS, ...STRING_FIELDS, ...BOOLEAN_FIELDS] as const;
export const OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in"] as const;
export const ORDERING_OPS = ["gt", "gte", "lt", "lte", "between"] as const;

export type Field = (typeof FIELDS)[number];
export type Op = (typeof OPS)[number];
export type FieldType = "number" | "string" | "boolean";

/** Fields that take `windowDays`, with the window used when it is left out (null = all time). */
export const WINDOW_DEFAULTS: Partial<Record<Field, number | null>> = {
  orderCount: null,
  netSpend: 365,
  purchasedCategory: 90,
  purchasedSku: 90,
  store: 90,
};

export function fieldType(f: Field): FieldType {
  if ((NUMBER_FIELDS as readonly string[]).includes(f)) return "number";
  if ((STRING_FIELDS as readonly string[]).includes(f)) return "string";
  return "boolean";
}

export type Scalar = number | string | boolean;

export interface Condition {
  field: Field;
  op: Op;
  value: Scalar | Scalar[];
  windowDays?: number;
}

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

export const MAX_RULE_DEPTH = 12;
export const MAX_RULE_NODES = 200;
export const MAX_IN_VALUES = 500;

/** Allowed values of string fields with a closed vocabulary. */
const CLOSED_VALUES: Partial<Record<Field, readonly string[]>> = {
  language: ["vi", "en"],
  channel: ["telegram", "zalo", "zalo_oa", "web"],
};

type Ctx = z.core.$RefinementCtx<unknown>;

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  return typeof v === "number" && !Number.isInteger(v) ? "a fractional number" : `a ${typeof v}`;
}

/** One scalar of the field's type; returns an error message or undefined. */
function scalarError(field: Field, v: unknown): string | undefined {
  const t = fieldType(field);
  if (t === "number") {
    if (typeof v !== "number" || !Number.isInteger(v) || !Number.isSafeInteger(v))
      return `${field} takes an integer, got ${describe(v)}`;
    if (field === "birthdayMonth" && (v < 1 || v > 12)) return "birthdayMonth is a month number 1–12";
    return undefined;
  }
  if (t === "boolean") return typeof v === "boolean" ? undefined : `${field} takes a boolean, got ${describe(v)}`;
  if (typeof v !== "string") return `${field} takes a string, got ${describe(v)}`;
  if (v.length === 0 || v.length > 200) return `${field} takes a string of 1–200 characters`;
  const closed = CLOSED_VALUES[field];
  if (closed && !closed.includes(v)) return `${field} is one of ${closed.map((x) => `"${x}"`).join(", ")}`;
  return undefined;
}

/** Checks a node that parsed as an object with known keys: its shape, operator/type fit, value and window. */
function checkNode(node: Record<string, unknown>, ctx: Ctx): void {
  const isCondition = ["field", "op", "value", "windowDays"].some((k) => node[k] !== undefined);
  const kinds = ["all", "any", "not"].filter((k) => node[k] !== undefined).length + (isCondition ? 1 : 0);
  if (kinds !== 1) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message:
        kinds === 0
          ? 'a rule is one of {"all": [...]}, {"any": [...]}, {"not": rule} or a condition {"field", "op", "value"}'
          : "a rule node has exactly one of all, any, not or a condition",
    });
    return;
  }
  if (!isCondition) return;
  const field = node.field as Field | undefined;
  const op = node.op as Op | undefined;
  if (field === undefined)
    ctx.addIssue({ code: "custom", path: ["field"], message: `required: one of ${FIELDS.join(", ")}` });
  if (op === undefined) ctx.addIssue({ code: "custom", path: ["op"], message: `required: one of ${OPS.join(", ")}` });
  if (!("value" in node) || node.value === undefined)
    ctx.addIssue({ code: "custom", path: ["value"], message: "required" });
  if (field === undefined || op === undefined) return;
  const type = fieldType(field);
  if ((ORDERING_OPS as readonly string[]).includes(op) && type !== "number") {
    ctx.addIssue({
      code: "custom",
      path: ["op"],
      message: `operator "${op}" applies to number fields only; ${field} is a ${type} field`,
    });
    return;
  }
  if (node.windowDays !== undefined && !(field in WINDOW_DEFAULTS)) {
    ctx.addIssue({
      code: "custom",
      path: ["windowDays"],
      message: `windowDays applies to ${Object.keys(WINDOW_DEFAULTS).join(", ")} only`,
    });
  }
  const value = node.value;
  if (value === undefined) return;
  if (op === "between") {
    if (!Array.isArray(value) || value.length !== 2) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "between takes [lo, hi]" });
      return;
    }
    value.forEach((v, i) => {
      const e = scalarError(field, v);
      if (e) ctx.addIssue({ code: "custom", path: ["value", i], message: e });
    });
    if (typeof value[0] === "number" && typeof value[1] === "number" && value[0] > value[1]) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "between takes [lo, hi] with lo ≤ hi" });
    }
    return;
  }
  if (op === "in") {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `in takes a non-empty array (at most ${MAX_IN_VALUES} values)`,
      });
      return;
    }
    value.forEach((v, i) => {
      const e = scalarError(field, v);
      if (e) ctx.addIssue({ code: "custom", path: ["value", i], message: e });
    });
    return;
  }
  const e = scalarError(field, value);
  if (e) ctx.addIssue({ code: "custom", path: ["value"], message: e });
}

const WindowDays = z.number().int().min(1).max(3650).describe("The last N × 24 hours");

interface RuleNodeFields {
  all?: Rule[] | undefined;
  any?: Rule[] | undefined;
  not?: Rule | undefined;
  field?: Field | undefined;
  op?: Op | undefined;
  value?: Scalar | Scalar[] | undefined;
  windowDays?: number | undefined;
}

/**
 * A node checkNode accepted, as the Rule it is (so the schema's output type is Rule, not the loose object of all
 * keys optional). Only runs when checkNode found no issue: exactly one of all/any/not, or field+op+value.
 */
function toRule(n: RuleNodeFields, ctx: z.core.$RefinementCtx<RuleNodeFields>): Rule {
  if (n.all !== undefined) return { all: n.all };
  if (n.any !== undefined) return { any: n.any };
  if (n.not !== undefined) return { not: n.not };
  if (n.field === undefined || n.op === undefined || n.value === undefined) {
    ctx.addIssue({ code: "custom", message: "not a rule" });
    return z.NEVER;
  }
  return {
    field: n.field,
    op: n.op,
    value: n.value,
    ...(n.windowDays !== undefined ? { windowDays: n.windowDays } : {}),
  };
}

/** One node of a rule (recursive). */
export const RuleNodeSchema: z.ZodType<Rule> = z.lazy(() =>
  z
    .strictObject({
      all: z.array(RuleNodeSchema).max(100).optional().describe("Every sub-rule holds (an empty list: every member)"),
      any: z
        .array(RuleNodeSchema)
        .max(100)
        .optional()
        .describe("At least one sub-rule holds (an empty list: no member)"),
      not: RuleNodeSchema.optional().describe("The complement within the merchant's members"),
      field: z.enum(FIELDS).optional(),
      op: z.enum(OPS).optional(),
      value: z
        .union([z.number(), z.string(), z.boolean(), z.array(z.union([z.number(), z.string(), z.boolean()]))])
        .optional()
        .describe("A number, string or boolean per the field; [lo, hi] for between; an array for in"),
      windowDays: WindowDays.optional(),
    })
    .superRefine((node, ctx) => checkNode(node as Record<string, unknown>, ctx))
    .transform(toRule),
);

/**
 * The rule as documented in the OpenAPI document: one level spelled out, sub-rules as objects of the same shape
 * (a recursive schema would need `$defs` references that an OpenAPI document cannot resolve).
 */
export const RuleDocSchema = z
  .object({
    all: z
      .array(z.object({}).passthrough())
      .optional()
      .describe("Sub-rules (same shape), every one holds; [] = every member"),
    any: z
      .array(z.object({}).passthrough())
      .optional()
      .describe("Sub-rules (same shape), at least one holds; [] = no member"),
    not: z
      .object({})
      .passthrough()
      .optional()
      .describe("A sub-rule (same shape); its complement within the merchant's members"),
    field: z.enum(FIELDS).optional(),
    op: z.enum(OPS).optional().describe("gt/gte/lt/lte/between only on number fields"),
    value: z
      .union([z.number(), z.string(), z.boolean(), z.array(z.union([z.number(), z.string(), z.boolean()]))])
      .optional()
      .describe("Per the field's type; [lo, hi] for between; an array for in"),
    windowDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe("orderCount, netSpend, purchasedCategory, purchasedSku: the last N × 24 hours"),
  })
  .describe('Exactly one of {"all"}, {"any"}, {"not"} or a condition {"field", "op", "value", "windowDays"?}');

function measure(rule: unknown, depth: number, acc: { nodes: number; depth: number }): void {
  if (!rule || typeof rule !== "object" || Array.isArray(rule)) return;
  acc.nodes++;
  acc.depth = Math.max(acc.depth, depth);
  if (acc.nodes > MAX_RULE_NODES || depth > MAX_RULE_DEPTH) return;
  const r = rule as Record<string, unknown>;
  if (Array.isArray(r.all)) for (const x of r.all) measure(x, depth + 1, acc);
  if (Array.isArray(r.any)) for (const x of r.any) measure(x, depth + 1, acc);
  if (r.not !== undefined) measure(r.not, depth + 1, acc);
}

/** A whole rule: a node, with limits on nesting depth and size (checked first, so a hostile rule costs nothing). */
export const RuleSchema: z.ZodType<Rule> = z
  .unknown()
  .superRefine((v, ctx) => {
    const acc = { nodes: 0, depth: 0 };
    measure(v, 1, acc);
    if (acc.depth > MAX_RULE_DEPTH)
      ctx.addIssue({ code: "custom", message: `rules nest at most ${MAX_RULE_DEPTH} levels` });
    else if (acc.nodes > MAX_RULE_NODES)
      ctx.addIssue({ code: "custom", message: `a rule has at most ${MAX_RULE_NODES} nodes` });
  })
  .pipe(RuleNodeSchema);

export const SegmentInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  rule: RuleSchema,
});

export function isCondition(r: Rule): r is Condition {
  return "field" in r;
}

/** The window a windowed condition covers, in days (null: all time; undefined: the field has no window). */
export function windowOf(c: Condition): number | null | undefined {
  if (!(c.field in WINDOW_DEFAULTS)) return undefined;
  return c.windowDays ?? WINDOW_DEFAULTS[c.field] ?? null;
}

/** Built-in segments every merchant has. */
export const BUILT_IN_SEGMENTS: readonly { id: string; name: string; rule: Rule }[] = [
  {
    id: "recent-7",
    name: "Last order 7–13 days ago",
    rule: { field: "daysSinceLastOrder", op: "between", value: [7, 13] },
  },
  {
    id: "recent-14",
    name: "Last order 14–27 days ago",
    rule: { field: "daysSinceLastOrder", op: "between", value: [14, 27] },
  },
  {
    id: "recent-28",
    name: "Last order 28–59 days ago",
    rule: { field: "daysSinceLastOrder", op: "between", value: [28, 59] },
  },
];

export function builtInSegment(id: string) {
  return BUILT_IN_SEGMENTS.find((s) => s.id === id);
}
