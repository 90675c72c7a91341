import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { makeDeps } from "../deps";
import { log } from "../log";
import { newTraceId, traceIdOf, traceparent, withTrace } from "../trace";

const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (echoing a sane inbound `x-request-id`), its trace (an inbound W3C
 * `traceparent`'s, or a new one; answered in `traceparent` and `x-trace-id`), its dependencies, and
 * one structured log line when it ends.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const inbound = c.req.header("x-request-id");
  const requestId = inbound && SANE_ID.test(inbound) ? inbound : crypto.randomUUID();
  c.set("requestId", requestId);
  c.set(
    "deps",
    makeDeps(c.env, (work) => c.executionCtx.waitUntil(work)),
  );
  const traceId = traceIdOf(c.req.header("traceparent")) ?? newTraceId();
  const started = Date.now();
  await withTrace(traceId, next);
  c.res.headers.set("x-request-id", requestId);
  c.res.headers.set("x-trace-id", traceId);
  c.res.headers.set("traceparent", traceparent(traceId));
  log("info", "request", {
    requestId,
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    ms: Date.now() - started,
  });
});
