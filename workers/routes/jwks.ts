import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/router";
import { publicKeys } from "../services/identity";

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi("Jwks");

/** Public keys of every key in the ring, so tokens signed by a rotated-out signer still verify elsewhere. */
export const jwks = router().openapi(
  createRoute({
    method: "get",
    path: "/jwks.json",
    tags: ["auth"],
    summary: "Public keys for access tokens",
    responses: { 200: { description: "JSON Web Key Set", content: { "application/json": { schema: Jwks } } } },
  }),
  async (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.json(await publicKeys(c.env), 200);
  },
);
