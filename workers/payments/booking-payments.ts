import Stripe from "stripe";
import { stripeClient } from "./stripe";

export interface BookingPaymentInput {
  bookingId: string;
  roomId: string;
  landlordId: string;
  tenantId: string;
  amount: number;
  currency: string;
}

/**
 * Opens the PaymentIntent for a booking. The idempotency key is derived from the booking, so a
 * retried saga gets the same PaymentIntent back. Amounts are already in Stripe's minor units
 * (zero-decimal currencies such as JPY are whole units in both).
 */
export async function createBookingPayment(
  env: Env,
  input: BookingPaymentInput,
): Promise<{ id: string; clientSecret: string }> {
  const pi = await stripeClient(env).paymentIntents.create(
    {
      amount: input.amount,
      currency: input.currency.toLowerCase(),
      automatic_payment_methods: { enabled: true },
      description: `Roomline booking ${input.bookingId}`,
      metadata: {
        bookingId: input.bookingId,
        roomId: input.roomId,
        landlordId: input.landlordId,
        tenantId: input.tenantId,
      },
    },
    { idempotencyKey: `booking-${input.bookingId}-payment` },
  );
  return { id: pi.id, clientSecret: pi.client_secret ?? "" };
}

/**
 * Cancels a booking's PaymentIntent if it can still be cancelled. A PaymentIntent that already
 * succeeded is left alone: its success webhook finds the hold gone and refunds it (one refund path).
 */
export async function cancelPaymentIntent(
  env: Env,
  bookingId: string,
  paymentIntentId: string | null,
): Promise<number> {
  if (!paymentIntentId) return 0;
  const stripe = stripeClient(env);
  const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
  if (pi.status === "canceled" || pi.status === "succeeded") return 0;
  await stripe.paymentIntents.cancel(
    paymentIntentId,
    { cancellation_reason: "abandoned" },
    { idempotencyKey: `booking-${bookingId}-cancel` },
  );
  return 0;
}

/** Refunds `amount` of a booking's payment once per purpose; a charge already refunded counts as done. */
export async function refundPayment(
  env: Env,
  bookingId: string,
  paymentIntentId: string | null,
  amount: number,
  purpose: "cancel" | "late",
): Promise<void> {
  if (!paymentIntentId || amount <= 0) return;
  try {
    await stripeClient(env).refunds.create(
      { payment_intent: paymentIntentId, amount, reason: "requested_by_customer", metadata: { bookingId, purpose } },
      { idempotencyKey: `booking-${bookingId}-refund-${purpose}` },
    );
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === "charge_already_refunded") return;
    throw err;
  }
}

/** A PaymentIntent as Stripe has it now. */
export async function findPaymentIntent(env: Env, paymentIntentId: string): Promise<Stripe.PaymentIntent> {
  return stripeClient(env).paymentIntents.retrieve(paymentIntentId);
}

/**
 * One page (up to 100) of the PaymentIntents created between `from` and `to` (Unix seconds,
 * inclusive), newest first, after `startingAfter`: how the reconciliation finds payments our side
 * may have lost track of without reading the whole account.
 */
export async function paymentIntentsCreated(
  env: Env,
  range: { from: number; to: number },
  startingAfter?: string,
): Promise<{ data: Stripe.PaymentIntent[]; hasMore: boolean }> {
  const page = await stripeClient(env).paymentIntents.list({
    created: { gte: range.from, lte: range.to },
    limit: 100,
    ...(startingAfter && { starting_after: startingAfter }),
  });
  return { data: page.data, hasMore: page.has_more };
}
