import { desc, eq } from "drizzle-orm";
import { payments } from "../../schema/pg";
import { newId } from "../domain/ids";
import { paymentPosting } from "../domain/ledger";
import type { InvoiceRow } from "./invoices";
import { post } from "./ledger";
import { attemptSucceeded } from "./payment-attempts";
import type { PgDb, PgTx as Tx } from "./pg";

export type NewPayment = typeof payments.$inferInsert;

/** The PaymentIntents that paid a lease, newest first. */
export async function paymentsOf(db: Tx, leaseId: string): Promise<{ paymentIntentId: string }[]> {
  return db
    .select({ paymentIntentId: payments.paymentIntentId })
    .from(payments)
    .where(eq(payments.leaseId, leaseId))
    .orderBy(desc(payments.createdAt));
}

/** Records a payment once per PaymentIntent; false when it was already recorded. */
export async function insertPayment(db: Tx, row: NewPayment): Promise<boolean> {
  const rows = await db
    .insert(payments)
    .values(row)
    .onConflictDoNothing({ target: payments.paymentIntentId })
    .returning({ id: payments.id });
  return rows.length === 1;
}

/**
 * Records money received for an invoice, once per PaymentIntent, with its ledger posting. The
 * attempt that asked for it (by `attemptId`, the PaymentIntent's `metadata.attempt`, or by the
 * PaymentIntent) stops counting as in flight in the same transaction, so the money is never
 * counted twice, nor missing in between.
 */
export async function recordInvoicePayment(
  db: PgDb,
  invoice: Pick<InvoiceRow, "id" | "leaseId" | "currency">,
  paymentIntentId: string,
  amount: number,
  source: "tenant" | "off_session",
  attemptId?: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const fresh = await insertPayment(tx, {
      id: newId("pay"),
      invoiceId: invoice.id,
      leaseId: invoice.leaseId,
      amount,
      currency: invoice.currency,
      paymentIntentId,
      source,
    });
    if (fresh)
      await post(tx, [
        paymentPosting(invoice.leaseId, paymentIntentId, amount, invoice.currency, `Payment for ${invoice.id}`),
      ]);
    await attemptSucceeded(tx, paymentIntentId, attemptId);
  });
}
