import { eq, sql } from "drizzle-orm";
import { stripeEvents } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

/**
 * Records a Stripe event once, by its `evt_` id, with the event as its payload; `processed`
 * records it as applied already. True when the event was new.
 */
export async function insertStripeEvent(db: Tx, event: { id: string; type: string }, processed: boolean): Promise<boolean> {
  const rows = await db.insert(stripeEvents)
    .values({ id: event.id, type: event.type, payload: event, ...(processed && { processedAt: sql`now()` }) })
    .onConflictDoNothing().returning({ id: stripeEvents.id });
  return rows.length === 1;
}

/** True while a recorded Stripe event has not been applied yet. */
export async function isStripeEventPending(db: Tx, eventId: string): Promise<boolean> {
  const [row] = await db.select({ processedAt: stripeEvents.processedAt }).from(stripeEvents).where(eq(stripeEvents.id, eventId));
  return row?.processedAt === null;
}

/** Marks a Stripe event applied, so later redeliveries stop at the door. */
export async function markStripeEventProcessed(db: Tx, eventId: string): Promise<void> {
  await db.update(stripeEvents).set({ processedAt: sql`now()` }).where(eq(stripeEvents.id, eventId));
}
