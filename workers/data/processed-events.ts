import { and, asc, eq, inArray, lt } from "drizzle-orm";
import { processedEvents } from "../../schema/d1";
import type { DomainEvent } from "../../schema/events";
import type { D1Db } from "./d1";

/** A claim older than this is taken to have crashed with its consumer; it outlasts the slowest handler (Stripe calls). */
export const CLAIM_STALE_MS = 5 * 60_000;

/** What a consumer may do with an event: run its handler, skip it (applied before), or come back later (another is running it). */
export type EventClaim = "run" | "done" | "busy";

/**
 * Claims an event for this consumer before its handler runs, so two deliveries of one event at
 * the same moment run the handler once. A claim left by a consumer that died is taken over.
 */
export async function claimEvent(db: D1Db, event: DomainEvent): Promise<EventClaim> {
  const now = new Date();
  const inserted = await db
    .insert(processedEvents)
    .values({ eventId: event.id, type: event.type, status: "claimed", claimedAt: now.toISOString() })
    .onConflictDoNothing()
    .returning({ id: processedEvents.eventId });
  if (inserted[0]) return "run";
  const staleBefore = new Date(now.getTime() - CLAIM_STALE_MS).toISOString();
  const taken = await db
    .update(processedEvents)
    .set({ claimedAt: now.toISOString() })
    .where(
      and(
        eq(processedEvents.eventId, event.id),
        eq(processedEvents.status, "claimed"),
        lt(processedEvents.claimedAt, staleBefore),
      ),
    )
    .returning({ id: processedEvents.eventId });
  if (taken[0]) return "run";
  const row = await db
    .select({ status: processedEvents.status })
    .from(processedEvents)
    .where(eq(processedEvents.eventId, event.id))
    .get();
  return row?.status === "done" ? "done" : "busy";
}

/** Marks an event applied: later deliveries of it are skipped. */
export async function finishEvent(db: D1Db, eventId: string): Promise<void> {
  await db.update(processedEvents).set({ status: "done" }).where(eq(processedEvents.eventId, eventId));
}

/** Gives up a claim after the handler failed, so the retry runs it again. */
export async function dropClaim(db: D1Db, eventId: string): Promise<void> {
  await db
    .delete(processedEvents)
    .where(and(eq(processedEvents.eventId, eventId), eq(processedEvents.status, "claimed")));
}

/** Of `eventIds`, the ones a consumer has finished applying. */
export async function doneEvents(db: D1Db, eventIds: string[]): Promise<Set<string>> {
  const done = new Set<string>();
  for (let i = 0; i < eventIds.length; i += 99) {
    const rows = await db
      .select({ id: processedEvents.eventId })
      .from(processedEvents)
      .where(and(inArray(processedEvents.eventId, eventIds.slice(i, i + 99)), eq(processedEvents.status, "done")));
    for (const r of rows) done.add(r.id);
  }
  return done;
}

/**
 * Forgets up to `limit` event ids first claimed before `before`; the number forgotten. Safe once no
 * delivery of them can still arrive (the queue keeps a message at most 14 days, Stripe retries 3).
 */
export async function purgeProcessedEvents(db: D1Db, before: string, limit: number): Promise<number> {
  const oldest = db
    .select({ id: processedEvents.eventId })
    .from(processedEvents)
    .where(lt(processedEvents.processedAt, before))
    .orderBy(asc(processedEvents.processedAt))
    .limit(limit);
  const result = await db.delete(processedEvents).where(inArray(processedEvents.eventId, oldest)).run();
  return result.meta.changes ?? 0;
}
