import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { makeDeps } from "../deps";
import { log } from "../log";
import { newTraceId, traceIdOf, traceparent, waitedSoFar, withTrace, type Waited } from "../trace";
import { routePath } from "hono/route";

const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;
/** What D1 bookmarks look like (four hex groups: 8-8-8-32); anything else is ignored, never sent to D1. */
const SANE_BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/i;

/**
 * Where a request's D1 session starts. A read: after the client's bookmark (so it sees its own
 * writes), else at the nearest replica. Anything that may write: at the primary, which is fresher
 * than any bookmark, so the checks before a write read the latest rows.
 */
export function sessionStart(method: string, bookmark: string | undefined): string {
  if (method !== "GET" && method !== "HEAD") return "first-primary";
  return bookmark && SANE_BOOKMARK.test(bookmark) ? bookmark : "first-unconstrained";
}

/**
 * Gives every request an id (echoing a sane inbound `x-request-id`), its trace (an inbound W3C
 * `traceparent`'s, or a new one; answered in `traceparent` and `x-trace-id`), its dependencies, and
 * one structured log line when it ends.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const inbound = c.req.header("x-request-id");
  const requestId = inbound && SANE_ID.test(inbound) ? inbound : crypto.randomUUID();
  c.set("requestId", requestId);
  const session = c.env.DB.withSession(sessionStart(c.req.method, c.req.header("x-d1-bookmark")));
  c.set(
    "deps",
    makeDeps(c.env, (work) => c.executionCtx.waitUntil(work), session),
  );
  const traceId = traceIdOf(c.req.header("traceparent")) ?? newTraceId();
  const started = Date.now();
  const waited = await withTrace(traceId, async () => {
    await next();
    return waitedSoFar();
  });
  c.res.headers.set("x-request-id", requestId);
  c.res.headers.set("x-trace-id", traceId);
  c.res.headers.set("traceparent", traceparent(traceId));
  const bookmark = session.getBookmark();
  if (bookmark) c.res.headers.set("x-d1-bookmark", bookmark);
  const route = routeOf(c);
  // Written after the trace's scope has closed: its id goes in by hand.
  log("info", "request", {
    traceId,
    requestId,
    method: c.req.method,
    path: c.req.path,
    route,
    status: c.res.status,
    ms: Date.now() - started,
  });
  measure(c.env, {
    route,
    method: c.req.method,
    status: c.res.status,
    code: c.get("errorCode") ?? "",
    ms: Date.now() - started,
    waited,
  });
});

/** The matched route's pattern (never the ids in the path); `unmatched` when only middleware matched. */
function routeOf(c: Context<AppEnv>): string {
  const path = routePath(c, -1);
  return path.endsWith("*") ? "unmatched" : path;
}

/**
 * One Analytics Engine data point per request (docs/operations.md has the queries): route, method,
 * status class and error code; latency, status, time waiting on Postgres and on Durable Objects.
 * Fire and forget: a write never waits and never fails the request.
 */
function measure(
  env: Env,
  m: { route: string; method: string; status: number; code: string; ms: number; waited: Record<Waited, number> },
): void {
  try {
    env.METRICS?.writeDataPoint({
      indexes: [m.route.slice(0, 96)],
      blobs: [m.route, m.method, `${Math.floor(m.status / 100)}xx`, m.code],
      doubles: [m.ms, m.status, Math.round(m.waited.pg), Math.round(m.waited.do)],
    });
  } catch (err) {
    log("warn", "metrics_write_failed", { err: String(err) });
  }
}
