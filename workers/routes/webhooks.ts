import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../schema/api/common";
import { router } from "../http/router";
import { verifyWebhook } from "../payments/stripe";
import { acceptStripeEvent } from "../payments/webhooks";

const Received = z.object({ received: z.literal(true), duplicate: z.boolean() });

export const webhooks = router()
  .openapi(createRoute({
    method: "post", path: "/stripe", tags: ["payments"], summary: "Stripe webhooks (signature-verified)",
    request: { headers: z.object({ "stripe-signature": z.string().optional() }) },
    responses: { 200: { description: "Recorded", content: { "application/json": { schema: Received } } }, ...errors(400) },
  }), async (c) => {
    const raw = new TextDecoder().decode(c.var.rawBody ?? new Uint8Array());
    const event = await verifyWebhook(c.env, raw, c.req.header("stripe-signature"));
    const outcome = await acceptStripeEvent(c.env, event);
    return c.json({ received: true as const, duplicate: outcome === "duplicate" }, 200);
  });
