import { verifyWebhook } from "../payments/stripe";
import { acceptStripeEvent } from "../payments/webhooks";

/** Verifies a Stripe delivery's signature, then records and enqueues its event once per `evt_` id. */
export async function receiveStripeWebhook(env: Env, rawBody: string, signature: string | undefined) {
  const event = await verifyWebhook(env, rawBody, signature);
  const outcome = await acceptStripeEvent(env, event);
  return { duplicate: outcome === "duplicate", ...(outcome === "ignored" && { ignored: true as const }) };
}
