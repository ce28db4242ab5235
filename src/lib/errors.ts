/**
 * Errors of the domain: what went wrong in words a member, a merchant or a POS can act on, without HTTP.
 * The HTTP layer turns them into problem+json (`src/http/problem.ts`: kind → status, slug → type URI), the chat
 * core into replies (by slug), the CLI into usage errors.
 */

/** What kind of failure. */
export type ErrorKind = "invalid" | "not-found" | "conflict" | "internal";

/** The conventional status code of each kind (the HTTP status of its problem+json; also what callers log). */
const KIND_STATUS: Record<ErrorKind, number> = { invalid: 400, "not-found": 404, conflict: 409, internal: 500 };

/** One invalid input field: `path` is dotted (`items.0.quantity`), `message` says what is wrong. */
export interface FieldError {
  path: string;
  message: string;
}

/** What a domain error and the HTTP layer's problem (src/http/problem.ts) both carry. */
export class ErrorFacts extends Error {
  /** The HTTP status code (for a DomainError, its kind's conventional one). */
  readonly status: number;
  /** Stable machine-readable name (the problem type's last segment, the chat core's switch). */
  readonly slug: string;
  /** Short, fixed summary of the slug. */
  readonly title: string;
  /** The invalid fields, for invalid input. */
  readonly errors: FieldError[] | undefined;
  /** Facts the client may act on (e.g. `{ balance }`), sent as problem+json extension members. */
  readonly extra: Record<string, unknown>;

  /** `detail` (this occurrence, in words) is the error's message. */
  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    errors?: FieldError[],
    extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.errors = errors;
    this.extra = extra;
  }
}

export class DomainError extends ErrorFacts {
  readonly kind: ErrorKind;

  constructor(
    kind: ErrorKind,
    slug: string,
    title: string,
    detail: string,
    errors?: FieldError[],
    extra: Record<string, unknown> = {},
  ) {
    super(KIND_STATUS[kind], slug, title, detail, errors, extra);
    this.name = "DomainError";
    this.kind = kind;
  }

  get detail(): string {
    return this.message;
  }
}

export const notFound = (what: string, slug = "not-found") =>
  new DomainError("not-found", slug, "Not found", `${what} not found`);

export const conflict = (slug: string, title: string, detail: string, extra?: Record<string, unknown>) =>
  new DomainError("conflict", slug, title, detail, undefined, extra);

/** Invalid input (the same shape as a request that failed schema validation). */
export function validationError(errors: FieldError[], detail = "The request is invalid"): DomainError {
  return new DomainError("invalid", "validation", "Validation failed", detail, errors);
}
