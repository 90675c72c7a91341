import { deadLetters } from "../../schema/d1";
import type { D1Db } from "./d1";

export type NewDeadLetter = typeof deadLetters.$inferInsert;

/** Keeps a message the queue gave up on, once per message id, for the engineer on call to inspect and replay. */
export async function insertDeadLetter(db: D1Db, row: NewDeadLetter): Promise<void> {
  await db.insert(deadLetters).values(row).onConflictDoNothing();
}
