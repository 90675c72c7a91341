import { and, desc, eq, lt, lte, sql } from "drizzle-orm";
import { rentalRequests } from "../../schema/d1";
import { poolQuery } from "./request-pool";
import type { D1Db } from "./d1";

export type RentalRequestRow = typeof rentalRequests.$inferSelect;

/**
 * Inserts the request only while the tenant has fewer than `maxOpen` open ones: one statement, so
 * two created at once cannot both slip under the limit. Answers whether it was inserted.
 */
export async function insertRequestUnderLimit(db: D1Db, row: RentalRequestRow, maxOpen: number): Promise<boolean> {
  const res = await db.run(sql`
    INSERT INTO rental_requests (id, tenant_id, lat, lng, radius_km, city, budget_amount, currency, rental_mode,
      move_in, move_out, nights, months, units, note, status, expires_at, created_at, updated_at)
    SELECT ${row.id}, ${row.tenantId}, ${row.lat}, ${row.lng}, ${row.radiusKm}, ${row.city}, ${row.budgetAmount},
      ${row.currency}, ${row.rentalMode}, ${row.moveIn}, ${row.moveOut}, ${row.nights}, ${row.months}, ${row.units},
      ${row.note}, 'open', ${row.expiresAt}, ${row.createdAt}, ${row.updatedAt}
    WHERE (SELECT count(*) FROM rental_requests
           WHERE tenant_id = ${row.tenantId} AND status = 'open' AND expires_at > ${row.createdAt}) < ${maxOpen}`);
  return (res.meta.changes ?? 0) > 0;
}

export async function findRequest(db: D1Db, id: string): Promise<RentalRequestRow | undefined> {
  return db.select().from(rentalRequests).where(eq(rentalRequests.id, id)).get();
}

/** A tenant's requests, newest first. */
export async function requestsOf(db: D1Db, tenantId: string, beforeId: string | null, limit: number) {
  return db
    .select()
    .from(rentalRequests)
    .where(and(eq(rentalRequests.tenantId, tenantId), beforeId ? lt(rentalRequests.id, beforeId) : undefined))
    .orderBy(desc(rentalRequests.id))
    .limit(limit + 1);
}

/** Withdraws an open request; answers the row as it is afterwards (an accept claims through claimRequest). */
export async function withdrawOpenRequest(db: D1Db, id: string, at: string): Promise<RentalRequestRow | undefined> {
  await db
    .update(rentalRequests)
    .set({ status: "withdrawn", updatedAt: at })
    .where(and(eq(rentalRequests.id, id), eq(rentalRequests.status, "open")));
  return findRequest(db, id);
}

/** The expiry run: every open request past its time, once (a second run finds none). */
export async function expireRequests(db: D1Db, now: string): Promise<number> {
  const res = await db
    .update(rentalRequests)
    .set({ status: "expired", updatedAt: now })
    .where(and(eq(rentalRequests.status, "open"), lte(rentalRequests.expiresAt, now)))
    .run();
  return res.meta.changes ?? 0;
}

/** One pairing of an open request with one of the landlord's rooms that fits it. */
export interface PoolMatch {
  requestId: string;
  roomId: string;
  distanceKm: number;
  price: number;
}

/**
 * Every (open request, active room of the landlord) pair that fits: same currency and rental
 * mode, the room's price for the units within budget, capacity for the units, the stay within the
 * room's minimum and maximum nights, the property within the request's radius (great circle), and
 * the units free on every night of the stay in
 * search's availability projection. Requests are reached through the pool index, one latitude
 * band per room (never a scan of all requests); `onlyRequest` narrows it to one.
 */
export async function poolMatches(
  db: D1Db,
  landlordId: string,
  now: string,
  onlyRequest?: string,
): Promise<PoolMatch[]> {
  const rows = await db.all<{ request_id: string; room_id: string; distance_km: number; price: number }>(
    poolQuery(landlordId, now, onlyRequest),
  );
  return rows.map((r) => ({ requestId: r.request_id, roomId: r.room_id, distanceKm: r.distance_km, price: r.price }));
}

export async function requestsByIds(db: D1Db, ids: string[]): Promise<Map<string, RentalRequestRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.all<RentalRequestRow>(
    sql`SELECT id, tenant_id AS tenantId, lat, lng, radius_km AS radiusKm, city, budget_amount AS budgetAmount,
      currency, rental_mode AS rentalMode, move_in AS moveIn, move_out AS moveOut, nights, months, units, note,
      status, expires_at AS expiresAt, accepted_offer_id AS acceptedOfferId, created_at AS createdAt, updated_at AS updatedAt
      FROM rental_requests WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}
