import { and, asc, eq, gt, gte, isNull, lt, sql, type SQL } from "drizzle-orm";
import { invoices, leases } from "../../schema/pg";
import type { LeaseRow } from "./leases";
import { pendingSum } from "./payment-attempts";
import type { PgTx as Tx } from "./pg";

export type InvoiceRow = typeof invoices.$inferSelect;
export type NewInvoice = typeof invoices.$inferInsert;

/** An invoice with its lease, which decides who may see it and how it may be paid. */
export async function findInvoice(db: Tx, id: string): Promise<(InvoiceRow & { lease: LeaseRow }) | undefined> {
  const [row] = await db
    .select({ invoice: invoices, lease: leases })
    .from(invoices)
    .innerJoin(leases, eq(invoices.leaseId, leases.id))
    .where(eq(invoices.id, id));
  return row ? { ...row.invoice, lease: row.lease } : undefined;
}

/** A page of a lease's invoices in id order after `afterId`, fetching one extra row. */
export async function listInvoices(
  db: Tx,
  leaseId: string,
  afterId: string | null,
  limit: number,
): Promise<InvoiceRow[]> {
  const where: SQL[] = [eq(invoices.leaseId, leaseId)];
  if (afterId) where.push(gt(invoices.id, afterId));
  return db
    .select()
    .from(invoices)
    .where(and(...where))
    .orderBy(asc(invoices.id))
    .limit(limit + 1);
}

/** Inserts one invoice (the first of a lease, or the replacement of one a notice cut short). */
export async function insertInvoice(db: Tx, row: NewInvoice): Promise<InvoiceRow> {
  const [created] = await db.insert(invoices).values(row).returning();
  return created!;
}

/** An invoice the billing run issued: what its ledger posting and its notice need. */
export type IssuedInvoice = Pick<
  InvoiceRow,
  "id" | "leaseId" | "periodStart" | "periodEnd" | "dueDate" | "rentAmount" | "currency"
>;

/**
 * Inserts the invoices the billing run found due, in one statement from arrays (unnest); returns
 * only those new (one live invoice per lease and period: the rest were issued before).
 */
export async function insertDueInvoices(
  db: Tx,
  rows: Omit<NewInvoice, "issuedAt" | "voidedAt">[],
): Promise<IssuedInvoice[]> {
  if (rows.length === 0) return [];
  const column = <T>(field: (r: (typeof rows)[number]) => T) => sql.param(rows.map(field));
  const result = await db.execute<Record<string, unknown>>(sql`
    INSERT INTO invoices (id, lease_id, period_start, period_end, due_date, rent_amount, currency)
    SELECT * FROM unnest(${column((r) => r.id)}::text[], ${column((r) => r.leaseId)}::text[], ${column((r) => r.periodStart)}::date[],
      ${column((r) => r.periodEnd)}::date[], ${column((r) => r.dueDate)}::date[], ${column((r) => r.rentAmount)}::bigint[], ${column((r) => r.currency)}::text[])
    ON CONFLICT (lease_id, period_start) WHERE voided_at IS NULL DO NOTHING
    RETURNING id, lease_id, period_start::text, period_end::text, due_date::text, rent_amount, currency`);
  return result.rows.map((r) => ({
    id: String(r.id),
    leaseId: String(r.lease_id),
    periodStart: String(r.period_start),
    periodEnd: String(r.period_end),
    dueDate: String(r.due_date),
    rentAmount: Number(r.rent_amount),
    currency: String(r.currency),
  }));
}

export interface OpenInvoice {
  id: string;
  leaseId: string;
  dueDate: string;
  rentAmount: number;
  currency: string;
  charge: number;
  outstanding: number;
  timezone: string;
  stripeCustomerId: string | null;
  stripePaymentMethodId: string | null;
  /** The rule this invoice's late fees follow: the one it fell due under if the lease's changed since, else the lease's. */
  lateFeeRule: LeaseRow["lateFeeRule"];
}

/**
 * Invoices with money still owed, allocating everything the tenant paid to the oldest invoice
 * first (so an overpayment is credit that pays the next invoice). Amounts come from the ledger:
 * what was credited = what was charged minus the tenant's balance. Ended leases are included
 * (their arrears are still owed and payable); `activeOnly` is for the billing run, which
 * reminds, fines and charges only while the lease runs, and only what falls due by `dueBy.days`
 * after the lease's local date at `dueBy.at` (so leases with nothing due yet cost it nothing).
 * `lessPending` counts charges still in flight at Stripe (pending payment attempts) as paid: what
 * every decision to charge reads, so an outcome not known yet is never asked for again.
 */
export async function openInvoices(
  db: Tx,
  filter: {
    leaseId?: string;
    invoiceId?: string;
    activeOnly?: boolean;
    dueBy?: { at: Date; days: number };
    lessPending?: boolean;
  } = {},
): Promise<OpenInvoice[]> {
  const { dueBy } = filter;
  const horizon =
    dueBy && sql`(${dueBy.at.toISOString()}::timestamptz AT TIME ZONE l.timezone)::date + ${dueBy.days}::int`;
  // No timezone is more than a day ahead of UTC: a bound the invoices_due index can serve.
  const latest = dueBy && new Date(dueBy.at.getTime() + (dueBy.days + 1) * 86_400_000).toISOString().slice(0, 10);
  const clauses = [
    filter.activeOnly ? sql`l.status = 'active'` : null,
    filter.leaseId ? sql`l.id = ${filter.leaseId}` : null,
    horizon
      ? sql`EXISTS (SELECT 1 FROM invoices d WHERE d.lease_id = l.id AND d.voided_at IS NULL AND d.due_date <= ${latest}::date AND d.due_date <= ${horizon})`
      : null,
  ].filter((c) => c !== null);
  const leaseFilter = clauses.length ? sql`WHERE ${sql.join(clauses, sql` AND `)}` : sql``;
  const invoiceClauses = [
    filter.invoiceId ? sql`c.id = ${filter.invoiceId}` : null,
    horizon ? sql`c.due_date <= ${horizon}` : null,
  ].filter((c) => c !== null);
  const invoiceFilter = invoiceClauses.length ? sql`WHERE ${sql.join(invoiceClauses, sql` AND `)}` : sql``;
  const result = await db.execute<Record<string, unknown>>(sql`
    WITH charges AS (
      SELECT i.id, i.lease_id, i.due_date, i.period_start, i.rent_amount, i.currency, i.late_fee_rule,
        i.rent_amount + coalesce((SELECT sum(a.amount) FROM invoice_actions a WHERE a.invoice_id = i.id AND a.kind = 'late_fee'), 0) AS charge
      FROM invoices i JOIN leases l ON l.id = i.lease_id AND i.voided_at IS NULL ${leaseFilter}
    ), cumulative AS (
      SELECT c.*, sum(charge) OVER (PARTITION BY lease_id ORDER BY period_start) AS cum_charge,
        sum(charge) OVER (PARTITION BY lease_id) AS total_charge FROM charges c
    ), balances AS (
      SELECT l.id AS lease_id, coalesce((SELECT sum(e.amount) FROM ledger_entries e WHERE e.account_id = 'lease:' || l.id || ':tenant_receivable'), 0)
        ${filter.lessPending ? sql`- ${pendingSum(sql`l.id`)}` : sql``} AS balance
      FROM leases l ${leaseFilter}
    )
    SELECT c.id, c.lease_id, c.due_date::text, c.rent_amount, c.currency, c.charge,
      greatest(0, least(c.charge, c.cum_charge - (c.total_charge - b.balance))) AS outstanding,
      l.timezone, coalesce(c.late_fee_rule, l.late_fee_rule) AS late_fee_rule, l.stripe_customer_id, l.stripe_payment_method_id
    FROM cumulative c JOIN balances b USING (lease_id) JOIN leases l ON l.id = c.lease_id ${invoiceFilter}`);
  return result.rows.map((r) => ({
    id: String(r.id),
    leaseId: String(r.lease_id),
    dueDate: String(r.due_date),
    rentAmount: Number(r.rent_amount),
    currency: String(r.currency),
    charge: Number(r.charge),
    outstanding: Number(r.outstanding),
    timezone: String(r.timezone),
    lateFeeRule: r.late_fee_rule as LeaseRow["lateFeeRule"],
    stripeCustomerId: (r.stripe_customer_id as string | null) ?? null,
    stripePaymentMethodId: (r.stripe_payment_method_id as string | null) ?? null,
  }));
}

/**
 * Keeps `rule` on the lease's live invoices that fell due before `today` (its local date) and do
 * not carry a rule yet: the lease's rule is about to change, and rent already late stays under
 * the terms it fell due under.
 */
export async function keepLateFeeRule(
  db: Tx,
  leaseId: string,
  rule: LeaseRow["lateFeeRule"],
  today: string,
): Promise<void> {
  await db
    .update(invoices)
    .set({ lateFeeRule: rule })
    .where(
      and(
        eq(invoices.leaseId, leaseId),
        isNull(invoices.voidedAt),
        isNull(invoices.lateFeeRule),
        lt(invoices.dueDate, today),
      ),
    );
}

/** Marks a lease's invoices for periods from `fromDate` on as void; returns those it voided now (not before). */
export async function voidInvoicesFrom(db: Tx, leaseId: string, fromDate: string): Promise<InvoiceRow[]> {
  return db
    .update(invoices)
    .set({ voidedAt: new Date() })
    .where(and(eq(invoices.leaseId, leaseId), gte(invoices.periodStart, fromDate), isNull(invoices.voidedAt)))
    .returning();
}

/** Voids the live invoice whose period `day` falls strictly inside (the period a notice cuts short). */
export async function voidInvoiceSpanning(db: Tx, leaseId: string, day: string): Promise<InvoiceRow[]> {
  return db
    .update(invoices)
    .set({ voidedAt: new Date() })
    .where(
      and(
        eq(invoices.leaseId, leaseId),
        lt(invoices.periodStart, day),
        gt(invoices.periodEnd, day),
        isNull(invoices.voidedAt),
      ),
    )
    .returning();
}
