import type Stripe from "stripe";
import { stripeClient } from "./stripe";

/** Every refund on a PaymentIntent, whatever became of it, newest first. */
export async function refundsOf(env: Env, paymentIntentId: string): Promise<Stripe.Refund[]> {
  return (await stripeClient(env).refunds.list({ payment_intent: paymentIntentId, limit: 100 })).data;
}

/** Refunds on a PaymentIntent that moved or will move money back (failed and canceled ones did not), newest first. */
export async function liveRefunds(env: Env, paymentIntentId: string): Promise<Stripe.Refund[]> {
  return (await refundsOf(env, paymentIntentId)).filter(isLive);
}

/** Refunds Stripe accepted and then could not pay out (a closed or lost card), newest first. */
export async function failedRefunds(env: Env, paymentIntentId: string): Promise<Stripe.Refund[]> {
  return (await refundsOf(env, paymentIntentId)).filter((r) => r.status === "failed");
}

/** Whether a refund moved or will move money back. */
export function isLive(refund: Stripe.Refund): boolean {
  return refund.status !== "failed" && refund.status !== "canceled";
}

/**
 * The amount already refunded on a PaymentIntent for a purpose (matched on our metadata), or null.
 * A step that refunded and then died before recording it finds its refund here instead of deciding again.
 */
export async function refundedFor(
  env: Env,
  paymentIntentId: string,
  metadata: Record<string, string>,
): Promise<number | null> {
  const matching = (await liveRefunds(env, paymentIntentId)).filter((r) =>
    Object.entries(metadata).every(([k, v]) => r.metadata?.[k] === v),
  );
  return matching.length ? matching.reduce((sum, r) => sum + r.amount, 0) : null;
}

/** Refunds `amount` of a PaymentIntent, tagged with our `metadata`, at most once per idempotency key. */
export async function createRefund(
  env: Env,
  paymentIntentId: string,
  amount: number,
  metadata: Record<string, string>,
  idempotencyKey: string,
): Promise<void> {
  await stripeClient(env).refunds.create({ payment_intent: paymentIntentId, amount, metadata }, { idempotencyKey });
}

/** What a PaymentIntent has received, in minor units. */
export async function amountReceived(env: Env, paymentIntentId: string): Promise<number> {
  return (await stripeClient(env).paymentIntents.retrieve(paymentIntentId)).amount_received;
}
