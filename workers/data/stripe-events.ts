import { and, asc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { stripeEvents } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

/**
 * Records a Stripe event once, by its `evt_` id, with the event as its payload; `processed`
 * records it as applied already. True when the event was new.
 */
export async function insertStripeEvent(
  db: Tx,
  event: { id: string; type: string },
  processed: boolean,
): Promise<boolean> {
  const rows = await db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, payload: event, ...(processed && { processedAt: sql`now()` }) })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  return rows.length === 1;
}

/** True while a recorded Stripe event has not been applied yet. */
export async function isStripeEventPending(db: Tx, eventId: string): Promise<boolean> {
  const [row] = await db
    .select({ processedAt: stripeEvents.processedAt })
    .from(stripeEvents)
    .where(eq(stripeEvents.id, eventId));
  return row?.processedAt === null;
}

/** Marks a Stripe event applied, so later redeliveries stop at the door. */
export async function markStripeEventProcessed(db: Tx, eventId: string): Promise<void> {
  await db
    .update(stripeEvents)
    .set({ processedAt: sql`now()` })
    .where(eq(stripeEvents.id, eventId));
}

/** A recorded Stripe event that was never applied, with the event as Stripe sent it. */
export interface PendingStripeEvent {
  id: string;
  type: string;
  payload: unknown;
  /** Postgres's own text of the instant (microseconds), so a page's cursor is exact. */
  receivedAt: string;
}

/**
 * Recorded events not applied yet, received before `receivedBefore`, oldest first, after `cursor`
 * (the last of the previous page): the reconciliation cron's candidates (a partial index holds them).
 */
export async function unprocessedStripeEvents(
  db: Tx,
  receivedBefore: Date,
  cursor: Pick<PendingStripeEvent, "receivedAt" | "id"> | null,
  limit: number,
): Promise<PendingStripeEvent[]> {
  const after = cursor
    ? sql`(${stripeEvents.receivedAt}, ${stripeEvents.id}) > (${cursor.receivedAt}::timestamptz, ${cursor.id})`
    : undefined;
  return db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      payload: stripeEvents.payload,
      receivedAt: sql<string>`${stripeEvents.receivedAt}::text`,
    })
    .from(stripeEvents)
    .where(and(isNull(stripeEvents.processedAt), lt(stripeEvents.receivedAt, receivedBefore), after))
    .orderBy(asc(stripeEvents.receivedAt), asc(stripeEvents.id))
    .limit(limit);
}

/** Marks many recorded events applied at once (their consumer finished but its last step was lost). */
export async function markStripeEventsProcessed(db: Tx, eventIds: string[]): Promise<void> {
  if (eventIds.length)
    await db
      .update(stripeEvents)
      .set({ processedAt: sql`now()` })
      .where(and(inArray(stripeEvents.id, eventIds), isNull(stripeEvents.processedAt)));
}
