import { createRoute, z } from "@hono/zod-openapi";
import { withPg } from "../data/pg";
import { router } from "../http/router";
import { log } from "../http/log";

const Check = z.enum(["ok", "down"]);
const Health = z.object({ status: z.enum(["ok", "degraded"]), checks: z.object({ d1: Check, postgres: Check }) }).openapi("Health");
const CHECK_TIMEOUT_MS = 3000;

export const health = router()
  .openapi(createRoute({
    method: "get", path: "/", tags: ["ops"], summary: "Liveness of D1 and Postgres",
    responses: {
      200: { description: "Every dependency answers", content: { "application/json": { schema: Health } } },
      503: { description: "A dependency is down; `checks` says which", content: { "application/json": { schema: Health } } },
    },
  }), async (c) => {
    const [d1, postgres] = await Promise.all([
      probe("d1", () => c.env.DB.prepare("select 1").first()),
      probe("postgres", () => withPg(c.env, (_db, client) => client.query("select 1"))),
    ]);
    const healthy = d1 === "ok" && postgres === "ok";
    return c.json({ status: healthy ? "ok" as const : "degraded" as const, checks: { d1, postgres } }, healthy ? 200 : 503);
  });

async function probe(name: string, run: () => Promise<unknown>): Promise<"ok" | "down"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS); });
  try {
    await Promise.race([run(), timeout]);
    return "ok";
  } catch (err) {
    log("error", "health check failed", { check: name, err: String(err) });
    return "down";
  } finally {
    clearTimeout(timer);
  }
}
