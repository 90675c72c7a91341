/** Stripe's error responses: `{ error: { type, message, code, param, ... } }` with the HTTP status. */
import type { PaymentIntent } from "./payment-intents";

export interface ErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: PaymentIntent;
  payment_method?: { id: string; object: "payment_method"; type: "card" };
}

export class ApiError extends Error {
  /** replayable=false marks errors raised before the endpoint ran (Stripe doesn't save those for idempotency). */
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly replayable = true,
  ) {
    super(body.message);
  }
}

/** An `invalid_request_error`; a `code` gets Stripe's doc_url for it. */
export function invalid(message: string, extra: Partial<ErrorBody> = {}, status = 400): ApiError {
  const doc = extra.code ? { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, "-")}` } : {};
  return new ApiError(status, { type: "invalid_request_error", message, ...extra, ...doc });
}

/** A malformed param: raised before the endpoint runs, so it is not saved for idempotency. */
export function paramError(param: string, message: string, code?: string): ApiError {
  return new ApiError(400, { type: "invalid_request_error", message, param, ...(code ? { code } : {}) }, false);
}

/** Unknown ids in the URL are 404s; unknown ids passed as params are 400s. */
export const missing = (kind: string, id: string, param: string, status = 404): ApiError =>
  invalid(`No such ${kind}: '${id}'`, { code: "resource_missing", param }, status);

/** Throws `err`; for use after `??`. */
export function throwError(err: Error): never {
  throw err;
}
