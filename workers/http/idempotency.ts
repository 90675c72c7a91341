import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { claimKey, completeKey, releaseKey } from "../data/idempotency";
import { sha256Hex } from "../domain/ids";
import { IDEMPOTENCY_KEY } from "../../schema/api/common";
import { AppError } from "../errors";

/** The middlewares `idempotent()` and `requestKey()` made, so the OpenAPI document can require the header where they run. */
const idempotentMiddlewares = new WeakSet<object>();

/** Whether a route handler checks an `Idempotency-Key` (`idempotent()` or `requestKey()`). */
export function isIdempotent(handler: unknown): boolean {
  return typeof handler === "function" && idempotentMiddlewares.has(handler);
}

/**
 * `Idempotency-Key` for POSTs, scoped to the caller: the same key and body replays the stored
 * response; the same key with another body is refused; two at once produce one effect (the
 * second is told the first is in progress). Only final 2xx answers are kept; after a 202 (outcome
 * not known yet), a 4xx or a 5xx a retry runs again. Runs after authentication. `prefix` names the
 * resource id handed to the handler, derived from the caller, the key and the request: the same on
 * every retry of the same request, even one that runs again after a failure, so the handler's own
 * effects (a Stripe idempotency key) line up across retries; another body under a key the store
 * has forgotten (after a failure, or 24 hours) is another request with another id.
 */
export function idempotent(prefix: string) {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const { key, requestHash: hash } = await readRequestKey(c);
    const { db } = c.var.deps;
    const scope = c.var.user.id;
    const claim = await claimKey(
      db,
      scope,
      key,
      hash,
      `${prefix}_${(await sha256Hex(`${scope}\n${key}\n${hash}`)).slice(0, 32)}`,
    );
    if (claim.state === "mismatch")
      throw new AppError("idempotency_key_reused", "This Idempotency-Key was used with a different request.");
    if (claim.state === "in_progress")
      throw new AppError(
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        { headers: { "retry-after": "1" } },
      );
    if (claim.state === "replay") {
      return new Response(claim.body, {
        status: claim.status,
        headers: {
          "content-type": claim.status >= 400 ? "application/problem+json" : "application/json",
          "idempotent-replayed": "true",
        },
      });
    }
    c.set("resourceId", claim.resourceId);
    await next();
    // A retry must run again after our failures and after a rate limit; everything else is final.
    // Only an effect is worth replaying: a refusal (4xx) or a failure (5xx) changed nothing, so a
    // retry with the same key, perhaps with a corrected body, runs again instead of replaying it.
    // A 202 is an effect whose outcome is still unknown: the retry runs again to ask for it.
    if (c.res.status >= 400 || c.res.status === 202) await releaseKey(db, scope, key);
    else await completeKey(db, scope, key, c.res.status, await c.res.clone().text());
  });
  idempotentMiddlewares.add(middleware);
  return middleware;
}

/**
 * The `Idempotency-Key` checks without the D1 store, for a route whose Durable Object keeps the
 * record itself in the transaction of the effect (POST /v1/bookings: the room's calendar). Hands
 * the key and the request's hash to the handler as `c.var.requestKey`.
 */
export function requestKey() {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    c.set("requestKey", await readRequestKey(c));
    await next();
    if (c.var.replayed) c.res.headers.set("idempotent-replayed", "true");
  });
  idempotentMiddlewares.add(middleware);
  return middleware;
}

/** The `Idempotency-Key` header, checked (428 missing, 422 malformed), and a hash of the request it names. */
async function readRequestKey(c: Context<AppEnv>): Promise<{ key: string; requestHash: string }> {
  const key = c.req.header("idempotency-key");
  if (!key)
    throw new AppError("idempotency_key_required", "Send an Idempotency-Key header (8–128 of A-Z a-z 0-9 _ . : -).");
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new AppError("validation_failed", "The Idempotency-Key header is malformed.", {
      errors: [{ path: "Idempotency-Key", message: "8–128 characters of A-Z a-z 0-9 _ . : -" }],
    });
  }
  const body = new TextDecoder().decode(c.var.rawBody ?? new Uint8Array());
  return { key, requestHash: await sha256Hex(`${c.req.method} ${c.req.path}\n${body}`) };
}
