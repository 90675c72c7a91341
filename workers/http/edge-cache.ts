import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { enforceRateLimit } from "../data/rate-limits";
import { clientIp } from "./client-ip";

/**
 * Public reads that a crowd may hammer (a popular room's availability) are answered from the
 * colo's Cache API for `seconds`; only a miss reaches the Durable Object behind the route, and
 * misses are rate limited per client address with `limiter`, so no client can starve the object by
 * varying the query. Requests with a token are never cached (an owner sees more than the public).
 */
export function edgeCached(seconds: number, limiter: (env: Env) => RateLimit) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== "GET" || c.req.header("authorization")) return next();
    const cache = caches.default;
    const key = new Request(c.req.url, { method: "GET" });
    const hit = await cache.match(key);
    if (hit) {
      c.res = new Response(hit.body, hit);
      c.res.headers.set("x-cache", "hit");
      return;
    }
    await enforceRateLimit(limiter(c.env), [`ip:${clientIp(c.req.raw.headers)}`]);
    await next();
    if (c.res.status !== 200) return;
    c.res.headers.set("cache-control", `public, max-age=${seconds}`);
    c.res.headers.set("x-cache", "miss");
    const copy = c.res.clone();
    c.executionCtx.waitUntil(cache.put(key, copy));
  });
}
