import { z } from "@hono/zod-openapi";
import { decodeCursor, PAGE_DEFAULT, PAGE_MAX } from "../../workers/domain/cursor";
import { isIsoDate } from "../../workers/domain/dates";
import { idPattern } from "../../workers/domain/ids";
import { CURRENCIES } from "../../workers/domain/iso";
import { STRIPE_MAX_AMOUNT_ANY_CURRENCY, stripeMaxAmount } from "../../workers/domain/stripe-limits";
import { normalizeText, TEXT_PATTERN, textLength, textProblem } from "../../workers/domain/text";

/** A calendar date, YYYY-MM-DD. */
export const Day = z
  .string()
  .refine(isIsoDate, "must be a calendar date YYYY-MM-DD")
  .openapi({ example: "2027-03-01" });

export const Currency = z
  .string()
  .refine((c) => CURRENCIES.has(c), "must be an ISO 4217 currency code")
  .openapi({ example: "EUR" });

/**
 * Integer minor units of at least `min`, plus an ISO 4217 currency, never a float (a JSON `1e3`
 * is the integer 1000; a string, a fraction or anything past 2^53 is refused). An amount is at
 * most what Stripe will charge at once in its currency (workers/domain/stripe-limits.ts): every
 * amount the API takes is one a tenant may be asked to pay.
 */
export function chargeable(min: 0 | 1, example: number) {
  return z
    .object({
      amount: z.number().int().min(min).max(STRIPE_MAX_AMOUNT_ANY_CURRENCY).openapi({
        example,
        description:
          "Minor units (cents; yen for zero-decimal currencies), at most Stripe's per-charge limit in the currency: 99999999 for most, 999999999999 for IDR",
      }),
      currency: Currency,
    })
    .strict()
    .superRefine((money, ctx) => {
      const max = stripeMaxAmount(money.currency);
      if (money.amount > max)
        ctx.addIssue({
          code: "custom",
          path: ["amount"],
          message: `must be at most ${max} in ${money.currency}, the most Stripe charges at once`,
        });
    });
}

/** A positive amount: a price, a payment. */
export const Money = chargeable(1, 125000).openapi("Money");

/** An instant as the API answers it: ISO 8601 in UTC with milliseconds (no `format`, so validators stay regex-only). */
export const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
  .openapi({ example: "2027-03-01T09:30:00.000Z" });

/** Money as the API returns it (amounts already validated on the way in). */
export const MoneyView = z.object({ amount: z.number().int(), currency: z.string() }).openapi("MoneyView");

export const Problem = z
  .object({
    type: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: "validation_failed" }),
    title: z.string(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/** An opaque `cursor` as issued by a list route; decodes to the id the next page starts after (null: first page). */
export const Cursor = z
  .string()
  .max(200)
  .optional()
  .transform((cursor, ctx) => {
    if (cursor === undefined) return null;
    const id = decodeCursor(cursor);
    if (!id) ctx.addIssue({ code: "custom", message: "invalid cursor: use the nextCursor of a previous page" });
    return id;
  })
  .openapi({ type: "string", description: "The `nextCursor` of the previous page" });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT).openapi({ example: PAGE_DEFAULT }),
  cursor: Cursor,
});

/** The resources the API names by id, with the prefix newId gives their ids. */
const ID_KINDS = {
  prop: "property",
  room: "room",
  bkg: "booking",
  lse: "lease",
  inv: "invoice",
  thr: "chat thread",
  ntf: "notification",
  vwg: "viewing",
  rrq: "rental request",
  ofr: "offer",
  rev: "review",
  fam: "session",
  usr: "user",
  pho: "photo",
} as const;
type IdPrefix = keyof typeof ID_KINDS;
const ID_EXAMPLES: Record<IdPrefix, string> = {
  prop: "prop_0mh1x2k3a9f4c7e2b",
  room: "room_0mfz3k2a1x7q4b9c2",
  bkg: "bkg_0mh2a7c1d4k9e2x5q0mfz3k2a1x7q4b9c2",
  lse: "lse_0mh2b1c4d9e2f7a3k",
  inv: "inv_0mh2b1c5x2q7d4a9e",
  thr: "thr_0mh2c4d1e9f2a7k3b",
  ntf: "ntf_0mh2c5a2b7d1e4f9k",
  vwg: "vwg_0mh2d1a4c7e2k9f3b0mfz3k2a1x7q4b9c2",
  rrq: "rrq_0mh2e3a1c9d4f7k2b",
  ofr: "ofr_0mh2e4b2d1c9f7k3a",
  rev: "rev_0mh2e5c3a1d9f7k4b",
  fam: "fam_0mh2e6d4b2a1c9f7k",
  usr: "usr_0mh0a1b2c3d4e5f6g",
  pho: "pho_0mh2f1a3c5e7k9b2d",
};

/**
 * The id of a `prefix` resource, checked by shape (prefix, then 17 of 0-9 a-z) before any query: a
 * malformed id answers 422 `validation_failed` naming `id`; a well-formed one of nothing the caller
 * may see answers 404.
 */
export function idOf(prefix: IdPrefix) {
  const kind = ID_KINDS[prefix];
  const shape = `${prefix}_ and ${prefix === "bkg" ? "17 or 34" : prefix === "vwg" ? "34" : "17"} of 0-9 a-z`;
  return z
    .string()
    .regex(idPattern(prefix), `must be a ${kind} id: ${shape}`)
    .openapi({
      example: ID_EXAMPLES[prefix],
      description: `A ${kind} id (${shape}). Any other shape answers 422 \`validation_failed\`; an id of nothing you may see answers 404.`,
    });
}

/** Path parameters of a route on one resource: `{id}`, checked by `idOf`. */
export function idParam(prefix: IdPrefix) {
  return z.object({ id: idOf(prefix) });
}

/**
 * A free-text field: well-formed Unicode with no control characters (multi-line text may hold
 * `\n` and `\t`) and no bidirectional overrides, else 422 naming the field; stored and answered in
 * NFC, single-line text trimmed, so a read returns what the write answered. Lengths count code points.
 */
export function Text({ min = 0, max, multiline = false }: { min?: number; max: number; multiline?: boolean }) {
  return z
    .string()
    .transform((raw, ctx) => {
      const problem = textProblem(raw, multiline);
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }
      const text = normalizeText(raw, !multiline);
      const length = textLength(text);
      if (length < min)
        ctx.addIssue({
          code: "custom",
          message: min === 1 ? "must not be empty" : `must be at least ${min} characters`,
        });
      else if (length > max) ctx.addIssue({ code: "custom", message: `must be at most ${max} characters` });
      return text;
    })
    .openapi({
      type: "string",
      ...(min > 0 ? { minLength: min } : {}),
      maxLength: max,
      pattern: multiline ? TEXT_PATTERN.multiLine : TEXT_PATTERN.singleLine,
    });
}

/** Wraps an item schema into the list envelope every list route returns. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

const problemContent = { "application/problem+json": { schema: Problem } };

/** The error responses a route can produce, for the OpenAPI document. */
export function errors(...statuses: number[]) {
  const described: Record<number, string> = {
    400: "Malformed request",
    402: "Card declined",
    401: "Missing or invalid access token",
    403: "Role not allowed",
    404: "Not found",
    409: "Conflict (see `code`)",
    413: "Body over 1 MiB",
    422: "Validation failed",
    426: "WebSocket upgrade required",
    428: "Idempotency-Key header required",
    429: "Rate limited",
    502: "Payment provider failed",
    503: "Dependency down",
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: described[s] ?? "Error", content: problemContent }]),
  );
}

/** One error response described by the codes it carries and why; `schema` when its body has extension members. */
export function errorResponse(status: number, description: string, schema: z.ZodType = Problem) {
  return { [status]: { description, content: { "application/problem+json": { schema } } } };
}

/** JSON request body, required (an absent body fails instead of validating as `{}`). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } } as const;
}

/** The same, for a body a client may leave out (the handler then reads `c.req.valid("json")` as undefined). */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: false } } as const;
}

/** A JSON response entry for the OpenAPI document. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export const bearer = [{ bearerAuth: [] }];

/** Public routes that read an optional token (the owner sees more); a token sent must be valid, or 401. */
export const optionalBearer: Record<string, string[]>[] = [{}, { bearerAuth: [] }];

/** What an `Idempotency-Key` header must look like; the middleware checks it and the document states it. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

// ---------------------------------------------------------------------------------------------
// What the platform adds around every route, as OpenAPI components (workers/http/openapi.ts
// decides where each applies).

const header = (description: string, pattern: string, required = true) => ({
  description,
  required,
  schema: { type: "string", pattern },
});

/** Response headers, by component name. */
export const RESPONSE_HEADERS = {
  RequestId: header(
    "The request's id (a sane inbound `x-request-id` is echoed); it is also the problem body's `requestId`.",
    "^[A-Za-z0-9._:-]{8,128}$",
  ),
  RetryAfter: header("Seconds to wait before retrying.", "^[0-9]+$"),
  Allow: header("The methods this path answers (RFC 9110 §10.2.1).", "^[A-Z]+(, [A-Z]+)*$"),
  WwwAuthenticate: header(
    'The challenge RFC 9110 §11.6.1 requires with every 401: `Bearer realm="roomline"`.',
    "^Bearer ",
  ),
} as const;

/** The wire name of each header component. */
export const HEADER_NAMES: Record<keyof typeof RESPONSE_HEADERS, string> = {
  RequestId: "x-request-id",
  RetryAfter: "Retry-After",
  Allow: "Allow",
  WwwAuthenticate: "WWW-Authenticate",
};

/** The `Idempotency-Key` request header, required where the route's middleware checks it. */
export const IDEMPOTENCY_KEY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header",
  required: true,
  description:
    "Chosen by the client, unique per intended effect (a UUID will do). A retry with the same key and body replays " +
    "the first answer (`Idempotent-Replayed: true`); the same key with another body is refused with 422.",
  schema: { type: "string", pattern: IDEMPOTENCY_KEY.source, example: "6f1c2e0a-8d1b-4d57-9a8e-3f0c1b2d4e5f" },
} as const;

/** A problem+json response whose headers are named components of `RESPONSE_HEADERS`. */
export function problemResponse(description: string, headers: (keyof typeof RESPONSE_HEADERS)[] = []) {
  return {
    description,
    headers: Object.fromEntries(headers.map((h) => [HEADER_NAMES[h], { $ref: `#/components/headers/${h}` }])),
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  };
}

/** Errors any route may answer with, whatever it declares itself, by component name. */
export const PLATFORM_RESPONSES = {
  MalformedJson: problemResponse("`malformed_json`: the body is not valid JSON.", ["RequestId"]),
  Unauthorized: problemResponse(
    "`unauthorized`: the access token is missing, expired or invalid (on a public route: sent and invalid).",
    ["RequestId", "WwwAuthenticate"],
  ),
  Forbidden: problemResponse("`forbidden`: the caller's role may not do this.", ["RequestId"]),
  NotFound: problemResponse("`not_found`: no such resource, or one the caller may not see.", ["RequestId"]),
  MethodNotAllowed: problemResponse(
    "`method_not_allowed`: the path exists, the method does not; `Allow` lists those that do.",
    ["RequestId", "Allow"],
  ),
  IdempotencyInProgress: problemResponse(
    "`idempotency_in_progress`: a request with this key is still running; retry after `Retry-After`.",
    ["RequestId", "RetryAfter"],
  ),
  PayloadTooLarge: problemResponse("`payload_too_large`: the body is over 1 MiB.", ["RequestId"]),
  UnsupportedMediaType: problemResponse("`unsupported_media_type`: send the body as `application/json`.", [
    "RequestId",
  ]),
  ValidationFailed: problemResponse(
    "`validation_failed`: a parameter (an id of the wrong shape included), header or the body does not match the schema; `errors` lists the fields.",
    ["RequestId"],
  ),
  IdempotencyKeyRequired: problemResponse("`idempotency_key_required`: send an `Idempotency-Key` header.", [
    "RequestId",
  ]),
  InternalError: problemResponse("`internal_error`: something failed on our side; quote the `requestId`.", [
    "RequestId",
  ]),
  DependencyUnavailable: problemResponse(
    "`dependency_unavailable`: a store is unreachable; retry after `Retry-After`.",
    ["RequestId", "RetryAfter"],
  ),
} as const;
