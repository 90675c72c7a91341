import { eq } from "drizzle-orm";
import { billingRuns } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

export type BillingRunCounts = Pick<
  typeof billingRuns.$inferInsert,
  "invoicesCreated" | "remindersSent" | "feesApplied" | "chargesAttempted" | "leasesEnded"
>;

/** Records that a billing run for `scheduledFor` started; returns its id. */
export async function startBillingRun(db: Tx, scheduledFor: Date): Promise<number> {
  const [run] = await db.insert(billingRuns).values({ scheduledFor }).returning({ id: billingRuns.id });
  return run!.id;
}

/** Records what a billing run did, and that it finished. */
export async function finishBillingRun(db: Tx, id: number, counts: BillingRunCounts): Promise<void> {
  await db
    .update(billingRuns)
    .set({ ...counts, finishedAt: new Date() })
    .where(eq(billingRuns.id, id));
}
