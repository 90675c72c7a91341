import { and, eq, inArray, sql } from "drizzle-orm";
import { invoiceActions } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

/** What the billing run does to an invoice, each at most once per step. */
export type InvoiceActionKind = "reminder" | "late_fee" | "charge";

/** Gives a replacement invoice the actions (fee steps, reminders, charge attempts) of the one it replaces. */
export async function copyInvoiceActions(db: Tx, fromId: string, toId: string): Promise<void> {
  await db.execute(sql`INSERT INTO invoice_actions (invoice_id, kind, step, amount, outcome, at)
    SELECT ${toId}, kind, step, amount, outcome, at FROM invoice_actions WHERE invoice_id = ${fromId} ON CONFLICT DO NOTHING`);
}

/** Late-fee steps already charged, per invoice, so a changed rule still respects its cap. */
export async function lateFeesCharged(db: Tx, invoiceIds: string[]): Promise<Map<string, { step: number; amount: number }[]>> {
  const charged = new Map<string, { step: number; amount: number }[]>();
  if (invoiceIds.length === 0) return charged;
  const rows = await db.select({ invoiceId: invoiceActions.invoiceId, step: invoiceActions.step, amount: invoiceActions.amount }).from(invoiceActions)
    .where(and(eq(invoiceActions.kind, "late_fee"), inArray(invoiceActions.invoiceId, invoiceIds)));
  for (const r of rows) charged.set(r.invoiceId, [...(charged.get(r.invoiceId) ?? []), { step: r.step, amount: r.amount ?? 0 }]);
  return charged;
}

/** Claims many actions at once; returns the invoice ids whose action was new. */
export async function claimActions(db: Tx, rows: { invoiceId: string; kind: InvoiceActionKind; step: number }[]): Promise<Set<string>> {
  const claimed = new Set<string>();
  for (let i = 0; i < rows.length; i += 5000) {
    const inserted = await db.insert(invoiceActions).values(rows.slice(i, i + 5000)).onConflictDoNothing().returning({ invoiceId: invoiceActions.invoiceId });
    for (const r of inserted) claimed.add(r.invoiceId);
  }
  return claimed;
}

/** Claims an action (reminder, fee step, charge attempt) for an invoice; false when it was done before. */
export async function claimAction(db: Tx, invoiceId: string, kind: InvoiceActionKind, step: number, amount: number | null = null): Promise<boolean> {
  const rows = await db.insert(invoiceActions).values({ invoiceId, kind, step, amount }).onConflictDoNothing().returning({ step: invoiceActions.step });
  return rows.length === 1;
}

/** Records how a charge attempt ended (the PaymentIntent status, or why it failed). */
export async function recordActionOutcome(db: Tx, invoiceId: string, kind: "charge", step: number, outcome: string): Promise<void> {
  await db.update(invoiceActions).set({ outcome }).where(and(eq(invoiceActions.invoiceId, invoiceId), eq(invoiceActions.kind, kind), eq(invoiceActions.step, step)));
}
