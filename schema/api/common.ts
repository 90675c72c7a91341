import { z } from "@hono/zod-openapi";
import { PAGE_DEFAULT, PAGE_MAX } from "../../workers/domain/cursor";
import { CURRENCIES } from "../../workers/domain/iso";

/** Integer minor units plus ISO 4217 currency; never a float. */
export const Money = z.object({
  amount: z.number().int().positive().max(1_000_000_000_000).openapi({ example: 125000 }),
  currency: z.string().refine((c) => CURRENCIES.has(c), "must be an ISO 4217 currency code").openapi({ example: "EUR" }),
}).strict().openapi("Money");

/** Money as the API returns it (amounts already validated on the way in). */
export const MoneyView = z.object({ amount: z.number().int(), currency: z.string() }).openapi("MoneyView");

export const Problem = z.object({
  type: z.string(),
  status: z.number().int(),
  code: z.string().openapi({ example: "validation_failed" }),
  title: z.string(),
  detail: z.string(),
  requestId: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi("Problem");

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT).openapi({ example: PAGE_DEFAULT }),
  cursor: z.string().max(200).optional(),
});

export const IdParam = z.object({ id: z.string().min(1).max(64) });

/** Wraps an item schema into the list envelope every list route returns. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

const problemContent = { "application/problem+json": { schema: Problem } };

/** The error responses a route can produce, for the OpenAPI document. */
export function errors(...statuses: number[]) {
  const described: Record<number, string> = {
    400: "Malformed request", 402: "Card declined", 401: "Missing or invalid access token", 403: "Role not allowed", 404: "Not found",
    409: "Conflict", 413: "Body over 1 MiB", 422: "Validation failed", 429: "Rate limited", 503: "Dependency down",
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: described[s] ?? "Error", content: problemContent }]));
}

/** JSON request body, required (an absent body fails instead of validating as `{}`). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } } as const;
}

/** A JSON response entry for the OpenAPI document. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export const bearer = [{ bearerAuth: [] }];
