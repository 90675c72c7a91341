import { and, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import { leases } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

export type LeaseRow = typeof leases.$inferSelect;
export type NewLease = typeof leases.$inferInsert;
export type PartialPolicy = LeaseRow["partialPolicy"];

/** A lease by id. */
export async function findLease(db: Tx, id: string): Promise<LeaseRow | undefined> {
  const [row] = await db.select().from(leases).where(eq(leases.id, id));
  return row;
}

/** The lease, row-locked until the caller's transaction ends: one writer at a time for money that moves once. */
export async function lockLease(tx: Tx, id: string): Promise<LeaseRow | undefined> {
  const [row] = await tx.select().from(leases).where(eq(leases.id, id)).for("update");
  return row;
}

/** The lease a booking became, if it became one. */
export async function findLeaseByBooking(db: Tx, bookingId: string): Promise<LeaseRow | undefined> {
  const [row] = await db.select().from(leases).where(eq(leases.bookingId, bookingId));
  return row;
}

/** A page of the leases `userId` is tenant or landlord of, newest first, fetching one extra row. */
export async function listLeases(db: Tx, userId: string, beforeId: string | null, limit: number): Promise<LeaseRow[]> {
  const where: SQL[] = [or(eq(leases.tenantId, userId), eq(leases.landlordId, userId))!];
  if (beforeId) where.push(lt(leases.id, beforeId));
  return db
    .select()
    .from(leases)
    .where(and(...where))
    .orderBy(desc(leases.id))
    .limit(limit + 1);
}

/** Inserts the lease of a booking; undefined when the booking has one already (one lease per booking). */
export async function insertLease(db: Tx, row: NewLease): Promise<LeaseRow | undefined> {
  const [created] = await db.insert(leases).values(row).onConflictDoNothing({ target: leases.bookingId }).returning();
  return created;
}

/** Changes a lease's terms or status; returns the row as it is now. */
export async function updateLease(db: Tx, id: string, changes: Partial<NewLease>): Promise<LeaseRow | undefined> {
  const [row] = await db.update(leases).set(changes).where(eq(leases.id, id)).returning();
  return row;
}

/** What the billing run needs of an active lease, with the start of the last period invoiced (null before the first). */
export interface BillableLease {
  id: string;
  startDate: string;
  billingDay: number;
  endDate: string | null;
  timezone: string;
  rentAmount: number;
  currency: string;
  lastPeriod: string | null;
}

/** A keyset page of active leases in id order after `afterId`, for the billing run. */
export async function activeLeasesPage(
  db: Tx,
  afterId: string,
  limit: number,
  onlyLeaseId?: string,
): Promise<BillableLease[]> {
  // Raw SQL for the correlated subquery: drizzle renders columns unqualified in a select list,
  // where "id" would bind to the invoice's own id and the subquery would never find one.
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT l.id, l.start_date::text, l.billing_day, l.end_date::text, l.timezone, l.rent_amount, l.currency,
      (SELECT max(i.period_start)::text FROM invoices i WHERE i.lease_id = l.id) AS last_period
    FROM leases l
    WHERE l.status = 'active' AND l.id > ${afterId} ${onlyLeaseId ? sql`AND l.id = ${onlyLeaseId}` : sql``}
    ORDER BY l.id LIMIT ${limit}`);
  return result.rows.map((r) => ({
    id: String(r.id),
    startDate: String(r.start_date),
    billingDay: Number(r.billing_day),
    endDate: (r.end_date as string | null) ?? null,
    timezone: String(r.timezone),
    rentAmount: Number(r.rent_amount),
    currency: String(r.currency),
    lastPeriod: (r.last_period as string | null) ?? null,
  }));
}

/** End dates of leases, share-locked until the transaction ends, so a notice cannot move them meanwhile. */
export async function lockLeaseEnds(db: Tx, ids: string[]): Promise<Map<string, string | null>> {
  const result = await db.execute<{ id: string; end_date: string | null }>(sql`
    SELECT id, end_date::text FROM leases WHERE id = ANY(${sql.param(ids)}::text[]) ORDER BY id FOR SHARE`);
  return new Map(result.rows.map((r) => [r.id, r.end_date]));
}

/** Active leases whose end date has come by `at`, each in its own timezone. */
export async function leasesEndingBy(db: Tx, at: Date): Promise<Pick<LeaseRow, "id" | "bookingId" | "landlordId">[]> {
  return db
    .select({ id: leases.id, bookingId: leases.bookingId, landlordId: leases.landlordId })
    .from(leases)
    .where(
      sql`${leases.status} = 'active' AND ${leases.endDate} <= (${at.toISOString()}::timestamptz AT TIME ZONE ${leases.timezone})::date`,
    );
}

/** Ends an active lease; false when it was not active (a concurrent run ended it first). */
export async function endActiveLease(db: Tx, id: string): Promise<boolean> {
  const flipped = await db
    .update(leases)
    .set({ status: "ended" })
    .where(and(eq(leases.id, id), eq(leases.status, "active")))
    .returning({ id: leases.id });
  return flipped.length > 0;
}
