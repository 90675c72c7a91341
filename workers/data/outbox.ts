import { and, asc, inArray, isNull, lt } from "drizzle-orm";
import { outbox } from "../../schema/d1";
import type { DomainEvent } from "../../schema/events";
import type { D1Db } from "./d1";

/**
 * The outbox row for `event`, to put in the same `db.batch` as the change it describes. An event
 * whose id is already there is not written twice (events named after what they report, such as a
 * failed refund, are announced once however often it is reported).
 */
export function outboxInsert(db: D1Db, event: DomainEvent) {
  return db
    .insert(outbox)
    .values({ id: event.id, type: event.type, payload: JSON.stringify(event) })
    .onConflictDoNothing();
}

/** D1 binds at most 100 parameters per statement; the timestamp takes one. */
const IDS_PER_UPDATE = 99;

/** Marks outbox rows sent, in as many statements as D1's parameter limit needs, in one batch. */
export async function markSent(db: D1Db, ids: string[]): Promise<void> {
  const sentAt = new Date().toISOString();
  const updates = [];
  for (let i = 0; i < ids.length; i += IDS_PER_UPDATE) {
    updates.push(
      db
        .update(outbox)
        .set({ sentAt })
        .where(inArray(outbox.id, ids.slice(i, i + IDS_PER_UPDATE))),
    );
  }
  const [first, ...rest] = updates;
  if (first) await db.batch([first, ...rest]);
}

/** Events written more than `olderThanMs` ago that were never sent (the send after the write failed). */
export async function findUnsent(db: D1Db, olderThanMs: number, limit = 100): Promise<DomainEvent[]> {
  const cutoff = new Date(Date.now() - olderThanMs).toISOString();
  const rows = await db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), lt(outbox.createdAt, cutoff)))
    .orderBy(asc(outbox.createdAt))
    .limit(limit);
  return rows.map((r) => JSON.parse(r.payload) as DomainEvent);
}

/** Deletes up to `limit` rows sent before `before` (the sweep never needs them again); the number deleted. */
export async function purgeSentOutbox(db: D1Db, before: string, limit: number): Promise<number> {
  const oldest = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(lt(outbox.sentAt, before))
    .orderBy(asc(outbox.sentAt))
    .limit(limit);
  const result = await db.delete(outbox).where(inArray(outbox.id, oldest)).run();
  return result.meta.changes ?? 0;
}
