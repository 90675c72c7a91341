import { and, asc, eq, lt, ne, or, sql, type SQL } from "drizzle-orm";
import { paymentAttempts } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

export type PaymentAttempt = typeof paymentAttempts.$inferSelect;
export type NewPaymentAttempt = Omit<typeof paymentAttempts.$inferInsert, "status" | "createdAt" | "updatedAt">;
export type AttemptStatus = PaymentAttempt["status"];

/** An attempt by its id (the Stripe idempotency key). */
export async function findAttempt(db: Tx, id: string): Promise<PaymentAttempt | undefined> {
  const [row] = await db.select().from(paymentAttempts).where(eq(paymentAttempts.id, id));
  return row;
}

/** Records a charge about to be asked of Stripe, pending; undefined when one with this id exists. */
export async function insertAttempt(db: Tx, row: NewPaymentAttempt): Promise<PaymentAttempt | undefined> {
  const [created] = await db
    .insert(paymentAttempts)
    .values({ ...row, status: "pending" })
    .onConflictDoNothing()
    .returning();
  return created;
}

/**
 * Records what became of an attempt. A succeeded attempt stays succeeded (money that moved does
 * not un-move); anything else may still change, as Stripe's PaymentIntent does.
 */
export async function settleAttempt(
  db: Tx,
  id: string,
  outcome: { status: AttemptStatus; paymentIntentId?: string | null; outcome?: string | null },
): Promise<void> {
  await db
    .update(paymentAttempts)
    .set({ ...outcome, updatedAt: new Date() })
    .where(and(eq(paymentAttempts.id, id), ne(paymentAttempts.status, "succeeded")));
}

/** Marks as succeeded the attempt a PaymentIntent answered (by its id, or by the PaymentIntent when the id is not known). */
export async function attemptSucceeded(db: Tx, paymentIntentId: string, attemptId?: string): Promise<void> {
  const which = attemptId
    ? or(eq(paymentAttempts.id, attemptId), eq(paymentAttempts.paymentIntentId, paymentIntentId))
    : eq(paymentAttempts.paymentIntentId, paymentIntentId);
  await db
    .update(paymentAttempts)
    .set({ status: "succeeded", paymentIntentId, updatedAt: new Date() })
    .where(and(which, ne(paymentAttempts.status, "succeeded")));
}

/** Attempts still pending that were made before `before` (of one lease, when asked), oldest first: the reconciliation's work. */
export async function pendingAttempts(
  db: Tx,
  before: Date,
  limit: number,
  leaseId?: string,
): Promise<PaymentAttempt[]> {
  return db
    .select()
    .from(paymentAttempts)
    .where(
      and(
        eq(paymentAttempts.status, "pending"),
        lt(paymentAttempts.createdAt, before),
        leaseId ? eq(paymentAttempts.leaseId, leaseId) : undefined,
      ),
    )
    .orderBy(asc(paymentAttempts.createdAt))
    .limit(limit);
}

/** The SQL sum of a lease's pending attempts (correlated on `leaseId`), for the open-invoice allocation. */
export function pendingSum(leaseId: SQL): SQL {
  return sql`coalesce((SELECT sum(p.amount) FROM payment_attempts p WHERE p.lease_id = ${leaseId} AND p.status = 'pending'), 0)`;
}
