import { sql } from "drizzle-orm";
import { interactions } from "../../schema/d1";
import { newId } from "../domain/ids";
import { batchSql, type D1Db } from "./d1";

/** Interactions kept per user: older ones are dropped as new ones come. */
export const INTERACTIONS_PER_USER = 200;

/**
 * Records what a user did, and drops what is past their newest INTERACTIONS_PER_USER, in one
 * batch. A repeat of the newest interaction of the same kind and subject within `dedupeMs` (a
 * reload, a second page of the same search) is not recorded again.
 */
export async function recordInteraction(
  db: D1Db,
  userId: string,
  kind: (typeof interactions.$inferInsert)["kind"],
  subject: string,
  now = new Date(),
  dedupeMs = 10 * 60_000,
): Promise<void> {
  const since = new Date(now.getTime() - dedupeMs).toISOString();
  await batchSql(db, [
    sql`INSERT INTO interactions (id, user_id, kind, subject, at)
      SELECT ${newId("int")}, ${userId}, ${kind}, ${subject}, ${now.toISOString()}
      WHERE NOT EXISTS (SELECT 1 FROM interactions WHERE user_id = ${userId} AND kind = ${kind}
        AND subject = ${subject} AND at >= ${since})`,
    sql`DELETE FROM interactions WHERE user_id = ${userId} AND id NOT IN (
      SELECT id FROM interactions WHERE user_id = ${userId} ORDER BY at DESC LIMIT ${INTERACTIONS_PER_USER})`,
  ]);
}
