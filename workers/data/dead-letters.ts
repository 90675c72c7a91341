import { and, count, eq, inArray, isNull } from "drizzle-orm";
import { deadLetters } from "../../schema/d1";
import type { D1Db } from "./d1";

export type NewDeadLetter = typeof deadLetters.$inferInsert;

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_QUERY = 99;

/** Keeps a message the queue gave up on, once per message id, for the engineer on call to inspect and replay. */
export async function insertDeadLetter(db: D1Db, row: NewDeadLetter): Promise<void> {
  await db.insert(deadLetters).values(row).onConflictDoNothing();
}

/** How many times an event reached the dead-letter queue: once per round it failed (each replay is a new message). */
export async function deadLetterCount(db: D1Db, eventId: string): Promise<number> {
  const row = await db.select({ n: count() }).from(deadLetters).where(eq(deadLetters.eventId, eventId)).get();
  return row?.n ?? 0;
}

/** The same count for many events at once; events never dead-lettered are absent. */
export async function deadLetterCounts(db: D1Db, eventIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < eventIds.length; i += IDS_PER_QUERY) {
    const rows = await db
      .select({ eventId: deadLetters.eventId, n: count() })
      .from(deadLetters)
      .where(inArray(deadLetters.eventId, eventIds.slice(i, i + IDS_PER_QUERY)))
      .groupBy(deadLetters.eventId);
    for (const r of rows) if (r.eventId) counts.set(r.eventId, r.n);
  }
  return counts;
}

/** Records that a stored dead letter was handed back to the queue (the row stays, for the record). */
export async function markReplayed(db: D1Db, messageId: string): Promise<void> {
  await db
    .update(deadLetters)
    .set({ replayedAt: new Date().toISOString() })
    .where(and(eq(deadLetters.messageId, messageId), isNull(deadLetters.replayedAt)));
}
