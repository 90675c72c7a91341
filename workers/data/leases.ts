import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { invoiceActions, invoices, leases, payments } from "../../schema/pg";
import type { PgDb } from "./pg";

type Tx = Parameters<Parameters<PgDb["transaction"]>[0]>[0] | PgDb;
export type LeaseRow = typeof leases.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;

export async function findLease(db: Tx, id: string): Promise<LeaseRow | undefined> {
  const [row] = await db.select().from(leases).where(eq(leases.id, id));
  return row;
}

/** The lease, row-locked until the caller's transaction ends: one writer at a time for money that moves once. */
export async function lockLease(tx: Tx, id: string): Promise<LeaseRow | undefined> {
  const [row] = await tx.select().from(leases).where(eq(leases.id, id)).for("update");
  return row;
}

export async function findLeaseByBooking(db: Tx, bookingId: string): Promise<LeaseRow | undefined> {
  const [row] = await db.select().from(leases).where(eq(leases.bookingId, bookingId));
  return row;
}

export async function listLeases(db: Tx, userId: string, beforeId: string | null, limit: number): Promise<LeaseRow[]> {
  const where: SQL[] = [or(eq(leases.tenantId, userId), eq(leases.landlordId, userId))!];
  if (beforeId) where.push(lt(leases.id, beforeId));
  return db.select().from(leases).where(and(...where)).orderBy(desc(leases.id)).limit(limit + 1);
}

export async function findInvoice(db: Tx, id: string): Promise<(InvoiceRow & { lease: LeaseRow }) | undefined> {
  const [row] = await db.select({ invoice: invoices, lease: leases }).from(invoices).innerJoin(leases, eq(invoices.leaseId, leases.id)).where(eq(invoices.id, id));
  return row ? { ...row.invoice, lease: row.lease } : undefined;
}

export async function listInvoices(db: Tx, leaseId: string, afterId: string | null, limit: number): Promise<InvoiceRow[]> {
  const where: SQL[] = [eq(invoices.leaseId, leaseId)];
  if (afterId) where.push(gt(invoices.id, afterId));
  return db.select().from(invoices).where(and(...where)).orderBy(asc(invoices.id)).limit(limit + 1);
}

/** A page of active leases with the start of the last period invoiced, for the billing run. */
export async function activeLeasesPage(db: Tx, afterId: string, limit: number, onlyLeaseId?: string) {
  return db.select({
    id: leases.id, startDate: leases.startDate, billingDay: leases.billingDay, endDate: leases.endDate, timezone: leases.timezone,
    rentAmount: leases.rentAmount, currency: leases.currency,
    lastPeriod: sql<string | null>`(select max(${invoices.periodStart})::text from ${invoices} where ${invoices.leaseId} = ${leases.id})`,
  }).from(leases).where(and(eq(leases.status, "active"), gt(leases.id, afterId), onlyLeaseId ? eq(leases.id, onlyLeaseId) : undefined))
    .orderBy(asc(leases.id)).limit(limit);
}

export interface OpenInvoice {
  id: string; leaseId: string; dueDate: string; rentAmount: number; currency: string; charge: number; outstanding: number;
  timezone: string; lateFeeRule: LeaseRow["lateFeeRule"]; stripeCustomerId: string | null; stripePaymentMethodId: string | null;
}

/**
 * Invoices with money still owed, allocating everything the tenant paid to the oldest invoice
 * first (so an overpayment is credit that pays the next invoice). Amounts come from the ledger:
 * what was credited = what was charged minus the tenant's balance. Ended leases are included
 * (their arrears are still owed and payable); `activeOnly` is for the billing run, which
 * reminds, fines and charges only while the lease runs.
 */
export async function openInvoices(db: Tx, filter: { leaseId?: string; invoiceId?: string; activeOnly?: boolean } = {}): Promise<OpenInvoice[]> {
  const clauses = [filter.activeOnly ? sql`l.status = 'active'` : null, filter.leaseId ? sql`l.id = ${filter.leaseId}` : null].filter((c) => c !== null);
  const leaseFilter = clauses.length ? sql`WHERE ${sql.join(clauses, sql` AND `)}` : sql``;
  const invoiceFilter = filter.invoiceId ? sql`WHERE c.id = ${filter.invoiceId}` : sql``;
  const result = await db.execute<Record<string, unknown>>(sql`
    WITH charges AS (
      SELECT i.id, i.lease_id, i.due_date, i.period_start, i.rent_amount, i.currency,
        i.rent_amount + coalesce((SELECT sum(a.amount) FROM invoice_actions a WHERE a.invoice_id = i.id AND a.kind = 'late_fee'), 0) AS charge
      FROM invoices i JOIN leases l ON l.id = i.lease_id AND i.voided_at IS NULL ${leaseFilter}
    ), cumulative AS (
      SELECT c.*, sum(charge) OVER (PARTITION BY lease_id ORDER BY period_start) AS cum_charge,
        sum(charge) OVER (PARTITION BY lease_id) AS total_charge FROM charges c
    ), balances AS (
      SELECT l.id AS lease_id, coalesce((SELECT sum(e.amount) FROM ledger_entries e WHERE e.account_id = 'lease:' || l.id || ':tenant_receivable'), 0) AS balance
      FROM leases l ${leaseFilter}
    )
    SELECT c.id, c.lease_id, c.due_date::text, c.rent_amount, c.currency, c.charge,
      greatest(0, least(c.charge, c.cum_charge - (c.total_charge - b.balance))) AS outstanding,
      l.timezone, l.late_fee_rule, l.stripe_customer_id, l.stripe_payment_method_id
    FROM cumulative c JOIN balances b USING (lease_id) JOIN leases l ON l.id = c.lease_id ${invoiceFilter}`);
  return result.rows.map((r) => ({
    id: String(r.id), leaseId: String(r.lease_id), dueDate: String(r.due_date), rentAmount: Number(r.rent_amount), currency: String(r.currency),
    charge: Number(r.charge), outstanding: Number(r.outstanding), timezone: String(r.timezone), lateFeeRule: r.late_fee_rule as LeaseRow["lateFeeRule"],
    stripeCustomerId: (r.stripe_customer_id as string | null) ?? null, stripePaymentMethodId: (r.stripe_payment_method_id as string | null) ?? null,
  }));
}

/** Marks a lease's invoices for periods from `fromDate` on as void; returns those it voided now (not before). */
export async function voidInvoicesFrom(db: Tx, leaseId: string, fromDate: string): Promise<InvoiceRow[]> {
  return db.update(invoices).set({ voidedAt: new Date() })
    .where(and(eq(invoices.leaseId, leaseId), gte(invoices.periodStart, fromDate), isNull(invoices.voidedAt))).returning();
}

/** Voids the live invoice whose period `day` falls strictly inside (the period a notice cuts short). */
export async function voidInvoiceSpanning(db: Tx, leaseId: string, day: string): Promise<InvoiceRow[]> {
  return db.update(invoices).set({ voidedAt: new Date() })
    .where(and(eq(invoices.leaseId, leaseId), lt(invoices.periodStart, day), gt(invoices.periodEnd, day), isNull(invoices.voidedAt))).returning();
}

/** Gives a replacement invoice the actions (fee steps, reminders, charge attempts) of the one it replaces. */
export async function copyInvoiceActions(db: Tx, fromId: string, toId: string): Promise<void> {
  await db.execute(sql`INSERT INTO invoice_actions (invoice_id, kind, step, amount, outcome, at)
    SELECT ${toId}, kind, step, amount, outcome, at FROM invoice_actions WHERE invoice_id = ${fromId} ON CONFLICT DO NOTHING`);
}

/** End dates of leases, share-locked until the transaction ends, so a notice cannot move them meanwhile. */
export async function lockLeaseEnds(db: Tx, ids: string[]): Promise<Map<string, string | null>> {
  const rows = await db.select({ id: leases.id, endDate: leases.endDate }).from(leases).where(inArray(leases.id, ids)).for("share");
  return new Map(rows.map((r) => [r.id, r.endDate]));
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
export async function claimActions(db: Tx, rows: { invoiceId: string; kind: "reminder" | "late_fee" | "charge"; step: number }[]): Promise<Set<string>> {
  const claimed = new Set<string>();
  for (let i = 0; i < rows.length; i += 5000) {
    const inserted = await db.insert(invoiceActions).values(rows.slice(i, i + 5000)).onConflictDoNothing().returning({ invoiceId: invoiceActions.invoiceId });
    for (const r of inserted) claimed.add(r.invoiceId);
  }
  return claimed;
}

/** Claims an action (reminder, fee step, charge attempt) for an invoice; false when it was done before. */
export async function claimAction(db: Tx, invoiceId: string, kind: "reminder" | "late_fee" | "charge", step: number, amount: number | null = null): Promise<boolean> {
  const rows = await db.insert(invoiceActions).values({ invoiceId, kind, step, amount }).onConflictDoNothing().returning({ step: invoiceActions.step });
  return rows.length === 1;
}

export async function recordActionOutcome(db: Tx, invoiceId: string, kind: "charge", step: number, outcome: string): Promise<void> {
  await db.update(invoiceActions).set({ outcome }).where(and(eq(invoiceActions.invoiceId, invoiceId), eq(invoiceActions.kind, kind), eq(invoiceActions.step, step)));
}

/** Records a payment once per PaymentIntent; false when it was already recorded. */
/** The PaymentIntents that paid a lease, newest first. */
export async function paymentsOf(db: Tx, leaseId: string): Promise<{ paymentIntentId: string }[]> {
  return db.select({ paymentIntentId: payments.paymentIntentId }).from(payments).where(eq(payments.leaseId, leaseId)).orderBy(desc(payments.createdAt));
}

export async function insertPayment(db: Tx, row: typeof payments.$inferInsert): Promise<boolean> {
  const rows = await db.insert(payments).values(row).onConflictDoNothing({ target: payments.paymentIntentId }).returning({ id: payments.id });
  return rows.length === 1;
}
