import type { EventOf } from "../../schema/events";
import { REFUND_EVENTS } from "../../schema/stripe-webhooks";
import type { D1Db } from "../data/d1";
import { log } from "../log";
import { recordInvoicePayment } from "../data/payments";
import { withPg } from "../data/pg";
import { markStripeEventProcessed } from "../data/stripe-events";
import { stripeClient } from "../payments/stripe";
import { confirmPaidBooking, failBooking, type BookingRef } from "../services/bookings";
import { recordFailedRefunds } from "../services/refunds";
import { noticePaymentReceipt } from "./notifications";

/**
 * Applies a Stripe event to its booking, invoice or refunds. It acts on the PaymentIntent (or its
 * refunds) as Stripe has them now, not on the event's type, so events that arrive late, twice or
 * out of order all lead to one outcome.
 */
export async function applyStripeEvent(event: EventOf<"stripe.event_received">, env: Env, db: D1Db): Promise<void> {
  const { paymentIntentId } = event.data;
  if (paymentIntentId && event.data.stripeType.startsWith("payment_intent.")) {
    const pi = await stripeClient(env).paymentIntents.retrieve(paymentIntentId);
    const meta = pi.metadata ?? {};
    if (meta.kind === "rent" && meta.invoiceId && meta.leaseId && pi.status === "succeeded") {
      await withPg(env, (pg) =>
        recordInvoicePayment(
          pg,
          { id: meta.invoiceId!, leaseId: meta.leaseId!, currency: pi.currency.toUpperCase() },
          pi.id,
          pi.amount_received,
          meta.tenantId ? "tenant" : "off_session",
          meta.attempt,
        ),
      );
      await noticePaymentReceipt(env, db, event.id, {
        leaseId: meta.leaseId,
        invoiceId: meta.invoiceId,
        amount: pi.amount_received,
        currency: pi.currency.toUpperCase(),
      });
    } else if (meta.bookingId && meta.roomId && meta.landlordId) {
      const ref: BookingRef = {
        bookingId: meta.bookingId,
        roomId: meta.roomId,
        landlordId: meta.landlordId,
        paymentIntentId,
      };
      const deps = { env, db };
      if (pi.status === "succeeded") await confirmPaidBooking(deps, ref, pi.amount_received);
      else if (pi.status === "canceled") await failBooking(deps, ref, "cancelled");
      else if (pi.status === "requires_payment_method" && pi.last_payment_error)
        await failBooking(deps, ref, "payment_failed");
      else log("info", "stripe event needs no action", { eventId: event.id, status: pi.status });
    }
  } else if (paymentIntentId && REFUND_EVENTS.includes(event.data.stripeType)) {
    await recordFailedRefunds({ env, db }, paymentIntentId);
  }
  await withPg(env, (pg) => markStripeEventProcessed(pg, event.id));
}
