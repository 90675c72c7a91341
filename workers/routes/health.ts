import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/router";
import { checkDependencies } from "../services/health";

const Check = z.enum(["ok", "down"]);
const Health = z
  .object({ status: z.enum(["ok", "degraded"]), checks: z.object({ d1: Check, postgres: Check }) })
  .openapi("Health");

export const health = router().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["ops"],
    summary: "Liveness of D1 and Postgres",
    responses: {
      200: { description: "Every dependency answers", content: { "application/json": { schema: Health } } },
      503: {
        description: "A dependency is down; `checks` says which",
        content: { "application/json": { schema: Health } },
      },
    },
  }),
  async (c) => {
    const { d1, postgres } = await checkDependencies(c.env);
    const healthy = d1 === "ok" && postgres === "ok";
    return c.json(
      { status: healthy ? ("ok" as const) : ("degraded" as const), checks: { d1, postgres } },
      healthy ? 200 : 503,
    );
  },
);
