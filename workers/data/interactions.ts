import { sql } from "drizzle-orm";
import { interactions } from "../../schema/d1";
import { newId } from "../domain/ids";
import { batchSql, type D1Db } from "./d1";

/** Interactions kept per user: older ones are dropped as new ones come. */
export const INTERACTIONS_PER_USER = 200;

/**
 * Records what a user did, and drops what is past their newest INTERACTIONS_PER_USER, in one
 * batch. A repeat of an interaction of the same kind and subject within `dedupeMs` (a reload, a
 * second page of the same search; Infinity: ever) is not recorded again.
 */
export async function recordInteraction(
  db: D1Db,
  userId: string,
  kind: (typeof interactions.$inferInsert)["kind"],
  subject: string,
  now = new Date(),
  dedupeMs = 10 * 60_000,
): Promise<void> {
  const since = Number.isFinite(dedupeMs) ? new Date(now.getTime() - dedupeMs).toISOString() : "";
  await batchSql(db, [
    sql`INSERT INTO interactions (id, user_id, kind, subject, at)
      SELECT ${newId("int")}, ${userId}, ${kind}, ${subject}, ${now.toISOString()}
      WHERE NOT EXISTS (SELECT 1 FROM interactions WHERE user_id = ${userId} AND kind = ${kind}
        AND subject = ${subject} AND at >= ${since})`,
    sql`DELETE FROM interactions WHERE user_id = ${userId} AND id NOT IN (
      SELECT id FROM interactions WHERE user_id = ${userId} ORDER BY at DESC LIMIT ${INTERACTIONS_PER_USER})`,
  ]);
}

export interface InteractionRow {
  id: string;
  kind: string;
  subject: string;
  at: string;
}

/** A user's interactions, newest first, `limit + 1` rows after `after`. */
export async function listInteractions(
  db: D1Db,
  userId: string,
  limit: number,
  after: { key: string | number; id: string } | null,
): Promise<InteractionRow[]> {
  const from = after ? sql`AND (at < ${after.key} OR (at = ${after.key} AND id > ${after.id}))` : sql``;
  const [rows] = await batchSql<[InteractionRow[]]>(db, [
    sql`SELECT id, kind, subject, at FROM interactions WHERE user_id = ${userId} ${from}
      ORDER BY at DESC, id ASC LIMIT ${limit + 1}`,
  ]);
  return rows;
}

/** Forgets everything a user did (their favourites stay: they are what they saved, not history). */
export async function clearInteractions(db: D1Db, userId: string): Promise<void> {
  await batchSql(db, [sql`DELETE FROM interactions WHERE user_id = ${userId}`]);
}
