import { sql } from "drizzle-orm";
import { LISTED_P } from "./catalog";
import { batchSql, type D1Db } from "./d1";
import type { PgTx } from "./pg";

type Counts = Record<string, number>;

export interface ReadModelMetrics {
  bookingsByStatus: Counts;
  grossValue: Counts;
  refunded: Counts;
  newUsers: Counts;
  bookedUnitNights: number;
  /** Units all listed rooms offer per night today (times the window's nights by the caller); the booked nights are of those rooms too. */
  unitsPerNight: number;
}

/**
 * What the D1 read models say about `[from, to)` (instants for rows made in it, days for nights),
 * in one batch so the figures are of one moment.
 */
export async function readModelMetrics(
  db: D1Db,
  w: { fromInstant: string; toInstant: string; fromDay: string; toDay: string },
): Promise<ReadModelMetrics> {
  const [byStatus, value, users, nights, units] = await batchSql<
    [
      { status: string; n: number }[],
      { currency: string; gross: number; refunded: number }[],
      { role: string; n: number }[],
      { n: number }[],
      { n: number }[],
    ]
  >(db, [
    sql`SELECT status, count(*) AS n FROM bookings
        WHERE created_at >= ${w.fromInstant} AND created_at < ${w.toInstant} GROUP BY status`,
    sql`SELECT currency, sum(amount_due) AS gross, sum(refunded_amount) AS refunded FROM bookings
        WHERE status = 'confirmed' AND created_at >= ${w.fromInstant} AND created_at < ${w.toInstant}
        GROUP BY currency`,
    sql`SELECT role, count(*) AS n FROM users
        WHERE created_at >= ${w.fromInstant} AND created_at < ${w.toInstant} GROUP BY role`,
    sql`SELECT coalesce(sum(n.units), 0) AS n FROM room_nights n
        JOIN rooms r ON r.id = n.room_id JOIN properties p ON p.id = r.property_id
        WHERE n.day >= ${w.fromDay} AND n.day < ${w.toDay}
          AND r.status = 'active' AND ${LISTED_P}`,
    sql`SELECT coalesce(sum(r.capacity), 0) AS n FROM rooms r JOIN properties p ON p.id = r.property_id
        WHERE r.status = 'active' AND ${LISTED_P}`,
  ]);
  return {
    bookingsByStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])),
    grossValue: Object.fromEntries(value.map((r) => [r.currency, r.gross])),
    refunded: Object.fromEntries(value.map((r) => [r.currency, r.refunded])),
    newUsers: Object.fromEntries(users.map((r) => [r.role, r.n])),
    bookedUnitNights: nights[0]?.n ?? 0,
    unitsPerNight: units[0]?.n ?? 0,
  };
}

export interface LedgerMetrics {
  billed: Counts;
  collected: Counts;
  refunded: Counts;
  platformFees: Counts;
}

/**
 * Rent from the ledger for transactions posted in `[from, to)`, per currency. A reversal counts as
 * the kind it reverses (with its opposite sign), so a voided invoice leaves nothing billed.
 */
export async function ledgerMetrics(pg: PgTx, from: string, to: string): Promise<LedgerMetrics> {
  const { rows } = await pg.execute<{
    currency: string;
    billed: string;
    collected: string;
    refunded: string;
    fees: string;
  }>(sql`
    SELECT e.currency,
      coalesce(sum(e.amount) FILTER (WHERE a.kind = 'tenant_receivable' AND coalesce(o.kind, t.kind) IN ('invoice', 'late_fee')), 0) AS billed,
      coalesce(-sum(e.amount) FILTER (WHERE a.kind = 'tenant_receivable' AND coalesce(o.kind, t.kind) = 'payment'), 0) AS collected,
      coalesce(sum(e.amount) FILTER (WHERE a.kind = 'tenant_receivable' AND coalesce(o.kind, t.kind) = 'refund'), 0) AS refunded,
      coalesce(-sum(e.amount) FILTER (WHERE a.kind = 'platform_fees'), 0) AS fees
    FROM ledger_entries e
    JOIN ledger_accounts a ON a.id = e.account_id
    JOIN ledger_transactions t ON t.id = e.transaction_id
    LEFT JOIN ledger_transactions o ON o.id = t.reverses_id
    WHERE t.posted_at >= ${from} AND t.posted_at < ${to}
    GROUP BY e.currency`);
  const pick = (k: "billed" | "collected" | "refunded" | "fees") =>
    Object.fromEntries(rows.map((r) => [r.currency, Number(r[k])]));
  return {
    billed: pick("billed"),
    collected: pick("collected"),
    refunded: pick("refunded"),
    platformFees: pick("fees"),
  };
}
