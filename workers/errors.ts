import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { logError } from "./log";

/** The closed set of error codes clients may rely on, with their HTTP status and title. */
export const ERRORS = {
  bad_request: [400, "Bad request"],
  malformed_json: [400, "Malformed JSON"],
  invalid_signature: [400, "Invalid webhook signature"],
  unauthorized: [401, "Unauthorized"],
  invalid_credentials: [401, "Invalid credentials"],
  invalid_refresh_token: [401, "Invalid refresh token"],
  mfa_required: [401, "Two-factor code required"],
  invalid_token: [422, "Invalid or expired token"],
  payment_declined: [402, "Payment declined"],
  forbidden: [403, "Forbidden"],
  account_suspended: [403, "Account suspended"],
  not_found: [404, "Not found"],
  method_not_allowed: [405, "Method not allowed"],
  email_taken: [409, "Email already registered"],
  room_unavailable: [409, "Room unavailable"],
  landlord_at_capacity: [409, "Landlord at capacity"],
  too_many_holds: [409, "Too many holds"],
  capacity_conflict: [409, "Capacity below existing bookings"],
  lease_started: [409, "Tenancy already begun"],
  rental_mode_locked: [409, "Rental mode locked by live stays"],
  nothing_owed: [409, "Nothing owed"],
  slot_taken: [409, "Viewing slot taken"],
  too_many_viewings: [409, "Too many viewings"],
  too_many_open_requests: [409, "Too many open rental requests"],
  request_closed: [409, "Rental request no longer open"],
  offer_exists: [409, "A live offer already exists"],
  offer_closed: [409, "Offer no longer open"],
  review_exists: [409, "Already reviewed"],
  review_not_open: [409, "Review not open"],
  email_unverified: [409, "Email not verified"],
  account_has_obligations: [409, "Account still has obligations"],
  too_many_photos: [409, "Too many photos"],
  conflict: [409, "Conflict"],
  length_required: [411, "Content-Length required"],
  payload_too_large: [413, "Payload too large"],
  unsupported_media_type: [415, "Unsupported media type"],
  validation_failed: [422, "Validation failed"],
  image_unreadable: [422, "Image unreadable"],
  preference_locked: [422, "This notice cannot be switched off"],
  amount_too_large: [422, "Amount too large"],
  upgrade_required: [426, "WebSocket upgrade required"],
  idempotency_key_required: [428, "Idempotency-Key header required"],
  idempotency_key_reused: [422, "Idempotency key reused with a different request"],
  idempotency_in_progress: [409, "A request with this idempotency key is in progress"],
  rate_limited: [429, "Too many requests"],
  internal_error: [500, "Internal error"],
  payment_provider_error: [502, "Payment provider error"],
  dependency_unavailable: [503, "Dependency unavailable"],
} as const satisfies Record<string, readonly [ContentfulStatusCode, string]>;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  path: string;
  message: string;
}

/** The one error type of the API: thrown anywhere, rendered by `renderError`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string = ERRORS[code][1],
    readonly extra: {
      errors?: FieldError[];
      /** RFC 9457 extension members: machine-readable facts behind `detail` (documented per route). */
      members?: Record<string, string | number | boolean>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, { cause: extra.cause });
  }
  get status(): ContentfulStatusCode {
    return ERRORS[this.code][0];
  }
}

/** The challenge of every 401: the API's one scheme is a bearer access token. */
export const BEARER_CHALLENGE = 'Bearer realm="roomline"';
const DEFAULT_RETRY_AFTER_SECONDS = "5";

/** What a problem reads from and leaves on the request's context (AppEnv's Variables include these). */
export interface ProblemVariables {
  requestId: string;
  /** The code of the problem the request was answered with, for its metrics (workers/http/request-context.ts). */
  errorCode: ErrorCode;
}
/** Any app environment whose Variables hold ProblemVariables (generic: Hono's Context is invariant in it). */
type ProblemEnv = { Variables: ProblemVariables };

/** Writes an RFC 9457 problem+json body; the only place error responses are built. */
export function problem<E extends ProblemEnv>(c: Context<E>, err: AppError): Response {
  c.set("errorCode", err.code);
  return problemResponse(err, c.get("requestId") ?? "unknown");
}

/** The problem+json response for `err`; also what a Durable Object answers outside any request context. */
export function problemResponse(err: AppError, requestId: string): Response {
  const [status, title] = ERRORS[err.code];
  const body = {
    ...err.extra.members,
    type: `https://docs.roomline.dev/errors/${err.code}`,
    status,
    code: err.code,
    title,
    detail: err.detail,
    requestId,
    ...(err.extra.errors ? { errors: err.extra.errors } : {}),
  };
  const headers = new Headers(err.extra.headers);
  headers.set("content-type", "application/problem+json");
  // RFC 9110 §11.6.1: a 401 carries a challenge, whatever raised it (a bad token, a wrong password).
  if (status === 401 && !headers.has("www-authenticate")) headers.set("www-authenticate", BEARER_CHALLENGE);
  // Clients back off by Retry-After; the document promises it with every 429 and 503.
  if ((status === 429 || status === 503) && !headers.has("retry-after"))
    headers.set("retry-after", DEFAULT_RETRY_AFTER_SECONDS);
  return new Response(JSON.stringify(body), { status, headers });
}

/** onError: known errors keep their code; anything else is a 500 whose cause is only logged. */
export function renderError<E extends ProblemEnv>(err: unknown, c: Context<E>): Response {
  if (err instanceof AppError) {
    if (err.status >= 500) logError(c, err.code, err.cause ?? err);
    return problem(c, err);
  }
  if (err instanceof HTTPException) {
    const known = fromHttpException(err);
    if (known.status >= 500) logError(c, "http_exception", err);
    return problem(c, known);
  }
  logError(c, "unhandled", err);
  return problem(c, new AppError("internal_error", "Something went wrong; quote the request id when reporting it."));
}

/** Codes for the other statuses middleware may throw; their messages are never shown. */
const HTTP_EXCEPTION_CODES: Partial<Record<number, ErrorCode>> = {
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  429: "rate_limited",
};

/**
 * Maps an HTTPException from Hono or a middleware to our codes. Only fixed wording reaches the
 * client: an exception's message is written by whoever threw it and may name internals.
 */
function fromHttpException(err: HTTPException): AppError {
  if (err.status === 400 && /json/i.test(err.message))
    return new AppError("malformed_json", "The request body is not valid JSON.");
  if (err.status === 415) return new AppError("unsupported_media_type", "Send the body as application/json.");
  if (err.status === 401) return new AppError("unauthorized");
  if (err.status === 413) return new AppError("payload_too_large", "The request body is larger than 1 MiB.");
  if (err.status >= 500)
    return new AppError("internal_error", "Something went wrong; quote the request id when reporting it.");
  const code = HTTP_EXCEPTION_CODES[err.status];
  return code ? new AppError(code) : new AppError("bad_request", "The request could not be read.");
}
