import { createRoute, z } from "@hono/zod-openapi";
import { loadKeyRing } from "../domain/tokens";
import { router } from "../http/router";

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi("Jwks");

/** Public keys of every key in the ring, so tokens signed by a rotated-out signer still verify elsewhere. */
export const jwks = router()
  .openapi(createRoute({
    method: "get", path: "/jwks.json", tags: ["auth"], summary: "Public keys for access tokens",
    responses: { 200: { description: "JSON Web Key Set", content: { "application/json": { schema: Jwks } } } },
  }), async (c) => {
    const ring = await loadKeyRing(c.env.JWT_PRIVATE_KEYS);
    c.header("cache-control", "public, max-age=300");
    return c.json({ keys: ring.publicJwks.keys.map((k) => ({ ...k })) }, 200);
  });
