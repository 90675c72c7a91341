import { createRoute, z } from "@hono/zod-openapi";
import { errors } from "../../schema/api/common";
import { router } from "../http/router";
import { receiveStripeWebhook } from "../services/webhooks";

const Received = z.object({
  received: z.literal(true),
  duplicate: z.boolean(),
  /** A type the platform does not act on: acknowledged, not recorded. */
  ignored: z.literal(true).optional(),
});

export const webhooks = router().openapi(
  createRoute({
    method: "post",
    path: "/stripe",
    tags: ["payments"],
    summary: "Stripe webhooks (signature-verified)",
    request: { headers: z.object({ "stripe-signature": z.string().optional() }) },
    responses: {
      200: { description: "Recorded", content: { "application/json": { schema: Received } } },
      ...errors(400),
    },
  }),
  async (c) => {
    const raw = new TextDecoder().decode(c.var.rawBody ?? new Uint8Array());
    return c.json(
      { received: true as const, ...(await receiveStripeWebhook(c.env, raw, c.req.header("stripe-signature"))) },
      200,
    );
  },
);
