import type Stripe from "stripe";
import type { EventOf } from "../../schema/events";
import { STRIPE_EVENTS_ACTED_ON } from "../../schema/stripe-webhooks";
import { withPg } from "../data/pg";
import { insertStripeEvent, isStripeEventPending } from "../data/stripe-events";

const ACTIONABLE = new Set<string>(STRIPE_EVENTS_ACTED_ON);

/**
 * Records a verified Stripe event in Postgres exactly once (by its `evt_` id) and hands it to the
 * queue while it is unprocessed. A redelivery of an event already applied is acknowledged and
 * dropped; one whose hand-off failed before is handed off again. Types nothing acts on are
 * ignored: no Postgres connection, no queue message.
 */
export async function acceptStripeEvent(env: Env, event: Stripe.Event): Promise<"queued" | "duplicate" | "ignored"> {
  if (!ACTIONABLE.has(event.type)) return "ignored";
  const pending = await withPg(env, async (db) => {
    await insertStripeEvent(db, event, false);
    return isStripeEventPending(db, event.id);
  });
  if (!pending) return "duplicate";
  await env.EVENTS.send(toQueueEvent(event), { contentType: "json" });
  return "queued";
}

/**
 * The queue message for a Stripe event: only what the consumer needs to look the PaymentIntent up
 * again (a refund's event names the PaymentIntent it refunds). Also how the reconciliation hands a
 * recorded, never applied event back to the queue.
 */
export function toQueueEvent(
  event: Pick<Stripe.Event, "id" | "type" | "created" | "data">,
): EventOf<"stripe.event_received"> {
  const object = event.data.object as {
    id?: string;
    object?: string;
    payment_intent?: string | { id: string } | null;
    metadata?: Record<string, string>;
  };
  const named = typeof object.payment_intent === "string" ? object.payment_intent : (object.payment_intent?.id ?? null);
  const paymentIntentId = object.object === "payment_intent" ? (object.id ?? null) : named;
  return {
    id: event.id,
    type: "stripe.event_received",
    occurredAt: new Date(event.created * 1000).toISOString(),
    data: { stripeType: event.type, paymentIntentId, bookingId: object.metadata?.bookingId ?? null },
  };
}
