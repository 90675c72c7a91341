import { ledgerMetrics, readModelMetrics } from "../data/admin-metrics";
import { withPg } from "../data/pg";
import { daysBetween } from "../domain/dates";
import type { Deps } from "../deps";

/**
 * The platform's figures for the UTC days `[from, to)`: bookings from the D1 read model, rent from
 * the ledger (the system of record for money, so these reconcile with it by construction), occupancy
 * from search's availability projection, new users from the users table.
 */
export async function platformMetrics(deps: Deps, q: { from: string; to: string }) {
  const fromInstant = `${q.from}T00:00:00.000Z`;
  const toInstant = `${q.to}T00:00:00.000Z`;
  const [reads, rent] = await Promise.all([
    readModelMetrics(deps.db, { fromInstant, toInstant, fromDay: q.from, toDay: q.to }),
    withPg(deps.env, (pg) => ledgerMetrics(pg, fromInstant, toInstant)),
  ]);
  const availableUnitNights = reads.unitsPerNight * daysBetween(q.from, q.to);
  return {
    window: { from: q.from, to: q.to },
    bookings: { byStatus: reads.bookingsByStatus, grossValue: reads.grossValue, refunded: reads.refunded },
    rent,
    occupancy: {
      bookedUnitNights: reads.bookedUnitNights,
      availableUnitNights,
      rate: availableUnitNights > 0 ? reads.bookedUnitNights / availableUnitNights : 0,
    },
    newUsers: { tenant: 0, landlord: 0, admin: 0, ...reads.newUsers },
  };
}
