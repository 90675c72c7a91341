import { inArray, lt, sql } from "drizzle-orm";
import { landlordStatEvents, landlordStats } from "../../schema/d1";
import { isUniqueViolation, type D1Db } from "./d1";

export type LandlordStatsRow = typeof landlordStats.$inferSelect;

/** What one offer event adds to a landlord's performance. */
export interface StatDelta {
  sent?: number;
  accepted?: number;
  /** Request posted → the landlord's first answer to it, when this event is that answer. */
  responseMs?: number | null;
  /** When the landlord acted (an offer sent); absent when someone else did (a tenant accepting). */
  activeAt?: string;
}

/**
 * Adds one event to the landlord's counters, once: the event's id goes into landlord_stat_events in
 * the same batch (one transaction), so a redelivered event fails on its key and changes nothing.
 */
export async function countStatEvent(db: D1Db, eventId: string, landlordId: string, d: StatDelta): Promise<void> {
  const answered = d.responseMs != null ? 1 : 0;
  const responseMs = d.responseMs ?? 0;
  try {
    await db.batch([
      db.insert(landlordStatEvents).values({ eventId }),
      db
        .insert(landlordStats)
        .values({
          landlordId,
          lastActiveAt: d.activeAt ?? null,
          offersSent: d.sent ?? 0,
          offersAccepted: d.accepted ?? 0,
          requestsAnswered: answered,
          responseMsTotal: responseMs,
        })
        .onConflictDoUpdate({
          target: landlordStats.landlordId,
          set: {
            lastActiveAt: sql`coalesce(max(${landlordStats.lastActiveAt}, ${d.activeAt ?? null}), ${landlordStats.lastActiveAt}, ${d.activeAt ?? null})`,
            offersSent: sql`${landlordStats.offersSent} + ${d.sent ?? 0}`,
            offersAccepted: sql`${landlordStats.offersAccepted} + ${d.accepted ?? 0}`,
            requestsAnswered: sql`${landlordStats.requestsAnswered} + ${answered}`,
            responseMsTotal: sql`${landlordStats.responseMsTotal} + ${responseMs}`,
          },
        }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) return; // counted before
    throw err;
  }
}

export async function statsOf(db: D1Db, landlordIds: string[]): Promise<Map<string, LandlordStatsRow>> {
  if (landlordIds.length === 0) return new Map();
  const rows = await db.select().from(landlordStats).where(inArray(landlordStats.landlordId, landlordIds)).all();
  return new Map(rows.map((r) => [r.landlordId, r]));
}

/** Counted events older than any redelivery (the queue retries for days, not weeks) are forgotten, `limit` at a time. */
export async function purgeStatEvents(db: D1Db, before: string, limit: number): Promise<number> {
  const oldest = db
    .select({ id: landlordStatEvents.eventId })
    .from(landlordStatEvents)
    .where(lt(landlordStatEvents.at, before))
    .limit(limit);
  const res = await db.delete(landlordStatEvents).where(inArray(landlordStatEvents.eventId, oldest)).run();
  return res.meta.changes ?? 0;
}
