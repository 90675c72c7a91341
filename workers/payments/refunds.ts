import type Stripe from "stripe";
import { stripeClient } from "./stripe";

/** Refunds on a PaymentIntent that moved or will move money back (failed and canceled ones did not), newest first. */
export async function liveRefunds(env: Env, paymentIntentId: string): Promise<Stripe.Refund[]> {
  const list = await stripeClient(env).refunds.list({ payment_intent: paymentIntentId, limit: 100 });
  return list.data.filter((r) => r.status !== "failed" && r.status !== "canceled");
}

/**
 * The amount already refunded on a PaymentIntent for a purpose (matched on our metadata), or null.
 * A step that refunded and then died before recording it finds its refund here instead of deciding again.
 */
export async function refundedFor(env: Env, paymentIntentId: string, metadata: Record<string, string>): Promise<number | null> {
  const matching = (await liveRefunds(env, paymentIntentId)).filter((r) => Object.entries(metadata).every(([k, v]) => r.metadata?.[k] === v));
  return matching.length ? matching.reduce((sum, r) => sum + r.amount, 0) : null;
}
