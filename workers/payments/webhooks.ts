import { eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { stripeEvents } from "../../schema/pg";
import type { EventOf } from "../../schema/events";
import { withPg } from "../data/pg";

/** The events that can change a booking or an invoice; every other type is only recorded. */
const ACTIONABLE = new Set(["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"]);

/**
 * Records a verified Stripe event in Postgres exactly once (by its `evt_` id) and hands it to the
 * queue while it is unprocessed. A redelivery of an event already applied is acknowledged and
 * dropped; one whose hand-off failed before is handed off again. Types nothing acts on are
 * recorded as processed at once, sparing the queue and a Stripe round trip.
 */
export async function acceptStripeEvent(env: Env, event: Stripe.Event): Promise<"queued" | "duplicate" | "recorded"> {
  if (!ACTIONABLE.has(event.type)) {
    const inserted = await withPg(env, (db) => db.insert(stripeEvents)
      .values({ id: event.id, type: event.type, payload: event, processedAt: sql`now()` })
      .onConflictDoNothing().returning({ id: stripeEvents.id }));
    return inserted.length === 1 ? "recorded" : "duplicate";
  }
  const pending = await withPg(env, async (db) => {
    await db.insert(stripeEvents).values({ id: event.id, type: event.type, payload: event }).onConflictDoNothing();
    const [row] = await db.select({ processedAt: stripeEvents.processedAt }).from(stripeEvents).where(eq(stripeEvents.id, event.id));
    return row?.processedAt === null;
  });
  if (!pending) return "duplicate";
  await env.EVENTS.send(toQueueEvent(event), { contentType: "json" });
  return "queued";
}

/** Marks a Stripe event applied, so later redeliveries stop at the door. */
export async function markStripeEventProcessed(env: Env, eventId: string): Promise<void> {
  await withPg(env, (db) => db.update(stripeEvents).set({ processedAt: sql`now()` }).where(eq(stripeEvents.id, eventId)));
}

function toQueueEvent(event: Stripe.Event): EventOf<"stripe.event_received"> {
  const object = event.data.object as { id?: string; object?: string; payment_intent?: string | null; metadata?: Record<string, string> };
  const paymentIntentId = object.object === "payment_intent" ? object.id ?? null : typeof object.payment_intent === "string" ? object.payment_intent : null;
  return {
    id: event.id,
    type: "stripe.event_received",
    occurredAt: new Date(event.created * 1000).toISOString(),
    data: { stripeType: event.type, paymentIntentId, bookingId: object.metadata?.bookingId ?? null },
  };
}
