import { and, eq, lt, sql } from "drizzle-orm";
import { idempotencyKeys } from "../../schema/d1";
import type { D1Db } from "./d1";

/**
 * An attempt older than this is taken to have crashed, and the key may be retried. It must outlast
 * the slowest honest attempt, or two copies of one saga would run: a Stripe call alone may take
 * 3 × 30 s (timeout and two retries, workers/payments/stripe.ts).
 */
const STALE_MS = 5 * 60_000;

/** A key is remembered this long, as Stripe remembers its own; after that the same key is a new request. */
export const KEY_TTL_MS = 24 * 3_600_000;

export type Claim =
  | { state: "new"; resourceId: string }
  | { state: "replay"; status: number; body: string }
  | { state: "in_progress" }
  | { state: "mismatch" };

/** Claims `key` for this request, or says why it cannot: replay, in flight, or reused for another body. */
export async function claimKey(
  db: D1Db,
  scope: string,
  key: string,
  requestHash: string,
  resourceId: string,
): Promise<Claim> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ scope, key, requestHash, resourceId, status: "in_progress" })
    .onConflictDoNothing()
    .returning({ resourceId: idempotencyKeys.resourceId });
  if (inserted[0]) return { state: "new", resourceId: inserted[0].resourceId };
  const row = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)))
    .get();
  if (!row) return { state: "in_progress" };
  if (row.createdAt < new Date(Date.now() - KEY_TTL_MS).toISOString())
    return renewKey(db, row, requestHash, resourceId);
  if (row.requestHash !== requestHash) return { state: "mismatch" };
  if (row.status === "done")
    return { state: "replay", status: row.responseStatus ?? 200, body: row.responseBody ?? "" };
  const staleBefore = new Date(Date.now() - STALE_MS).toISOString();
  const taken = await db
    .update(idempotencyKeys)
    .set({ updatedAt: new Date().toISOString() })
    .where(
      and(
        eq(idempotencyKeys.scope, scope),
        eq(idempotencyKeys.key, key),
        eq(idempotencyKeys.status, "in_progress"),
        lt(idempotencyKeys.updatedAt, staleBefore),
      ),
    )
    .returning({ resourceId: idempotencyKeys.resourceId });
  return taken[0] ? { state: "new", resourceId: taken[0].resourceId } : { state: "in_progress" };
}

/**
 * A key past its 24 hours is absent: the request starts afresh under it (whatever the old record
 * said). The update is conditional on the old row, so of two requests renewing it at once one wins.
 */
async function renewKey(
  db: D1Db,
  old: typeof idempotencyKeys.$inferSelect,
  requestHash: string,
  resourceId: string,
): Promise<Claim> {
  const now = new Date().toISOString();
  const renewed = await db
    .update(idempotencyKeys)
    .set({
      requestHash,
      resourceId,
      status: "in_progress",
      responseStatus: null,
      responseBody: null,
      createdAt: now,
      updatedAt: now,
    })
    .where(
      and(
        eq(idempotencyKeys.scope, old.scope),
        eq(idempotencyKeys.key, old.key),
        eq(idempotencyKeys.createdAt, old.createdAt),
      ),
    )
    .returning({ resourceId: idempotencyKeys.resourceId });
  return renewed[0] ? { state: "new", resourceId: renewed[0].resourceId } : { state: "in_progress" };
}

/** Stores the response of a finished attempt, for replays of the same key. */
export async function completeKey(db: D1Db, scope: string, key: string, status: number, body: string): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ status: "done", responseStatus: status, responseBody: body, updatedAt: new Date().toISOString() })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Forgets an attempt that failed on our side, so the client's retry runs again. */
export async function releaseKey(db: D1Db, scope: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Deletes up to `limit` keys made before `before` (past their 24 hours, they are absent anyway); the number deleted. */
export async function purgeIdempotencyKeys(db: D1Db, before: string, limit: number): Promise<number> {
  const t = idempotencyKeys;
  const result = await db.run(sql`DELETE FROM ${t} WHERE rowid IN
    (SELECT rowid FROM ${t} WHERE ${t.createdAt} < ${before} ORDER BY ${t.createdAt} LIMIT ${limit})`);
  return result.meta.changes ?? 0;
}
