/** RFC 9457 problem details: every error response of the API is one of these. */
import type { z } from "zod";
import { DomainError, ErrorFacts, type FieldError } from "../lib/errors.ts";

export type { FieldError };

export const PROBLEM_BASE = "https://chatloyalty.dev/problems/";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** Thrown anywhere in a request; the app's error handler turns it into application/problem+json. */
export class Problem extends ErrorFacts {
  body(): ProblemBody {
    // Extension members first: they must never shadow the standard ones (RFC 9457 `status` is the HTTP code).
    const body: ProblemBody = {
      ...this.extra,
      type: PROBLEM_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.message,
    };
    if (this.errors) body.errors = this.errors;
    return body;
  }
}

/** The HTTP representation of a domain error: same slug, title, detail, field errors and extension members. */
export function problemFromDomain(err: DomainError): Problem {
  return new Problem(err.status, err.slug, err.title, err.message, err.errors, err.extra);
}

/** A Problem as is, a DomainError mapped; anything else is not a problem (undefined). */
export function asProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem) return err;
  if (err instanceof DomainError) return problemFromDomain(err);
  return undefined;
}

export function problemResponse(p: Problem, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/problem+json; charset=utf-8");
  return new Response(JSON.stringify(p.body()), { status: p.status, headers: h });
}

export const notFound = (what: string, slug = "not-found") => new Problem(404, slug, "Not found", `${what} not found`);

export const conflict = (slug: string, title: string, detail: string, extra?: Record<string, unknown>) =>
  new Problem(409, slug, title, detail, undefined, extra);

export function validationProblem(errors: FieldError[], detail = "The request is invalid"): Problem {
  return new Problem(400, "validation", "Validation failed", detail, errors);
}

/** zod issues → `{ path: "items.0.quantity", message }` with a prefix for where the value came from. */
export function zodProblem(error: z.ZodError, prefix = ""): Problem {
  const errors = error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((s) => s !== "").join(".");
    return { path, message: issue.message };
  });
  const first = errors[0];
  return validationProblem(errors, first ? `${first.path || "body"}: ${first.message}` : "The request is invalid");
}
