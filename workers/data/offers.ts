import { and, eq, ne, sql } from "drizzle-orm";
import { offers, rentalRequests } from "../../schema/d1";
import type { D1Db } from "./d1";
import type { RentalRequestRow } from "./rental-requests";

export type OfferRow = typeof offers.$inferSelect;
export type OfferStatus = OfferRow["status"];

/** Inserts a pending offer; false when the landlord already has a live one on the request (the unique index says so). */
export async function insertOffer(db: D1Db, row: OfferRow): Promise<boolean> {
  const inserted = await db.insert(offers).values(row).onConflictDoNothing().returning({ id: offers.id });
  return inserted.length > 0;
}

export async function findOffer(db: D1Db, id: string): Promise<OfferRow | undefined> {
  return db.select().from(offers).where(eq(offers.id, id)).get();
}

/** A request's offers (one landlord's only, when given). */
export async function offersOfRequest(db: D1Db, requestId: string, landlordId?: string): Promise<OfferRow[]> {
  return db
    .select()
    .from(offers)
    .where(and(eq(offers.requestId, requestId), landlordId ? eq(offers.landlordId, landlordId) : undefined))
    .all();
}

/** Whether the landlord has ever offered on the request (their first offer is their response time). */
export async function hasOffered(db: D1Db, requestId: string, landlordId: string): Promise<boolean> {
  const row = await db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.requestId, requestId), eq(offers.landlordId, landlordId)))
    .get();
  return row !== undefined;
}

/** Moves a pending offer to `status`; answers the row as it is afterwards (unchanged if it was no longer pending). */
export async function settleOffer(
  db: D1Db,
  id: string,
  status: Exclude<OfferStatus, "pending">,
  at: string,
  bookingId?: string,
): Promise<OfferRow | undefined> {
  await db
    .update(offers)
    .set({ status, updatedAt: at, ...(bookingId && { bookingId }) })
    .where(and(eq(offers.id, id), eq(offers.status, "pending")));
  return findOffer(db, id);
}

/** Closes every pending offer of a request but `except`, answering those it closed (their desk reservations are to be released). */
export async function closePendingOffers(
  db: D1Db,
  requestId: string,
  status: "declined" | "withdrawn" | "expired",
  at: string,
  except?: string,
): Promise<OfferRow[]> {
  return db
    .update(offers)
    .set({ status, updatedAt: at })
    .where(
      and(eq(offers.requestId, requestId), eq(offers.status, "pending"), except ? ne(offers.id, except) : undefined),
    )
    .returning()
    .all();
}

/** The expiry run: pending offers past their time, and pending offers of requests no longer open. Once each. */
export async function expireOffers(db: D1Db, now: string): Promise<OfferRow[]> {
  return db
    .update(offers)
    .set({ status: "expired", updatedAt: now })
    .where(
      and(
        eq(offers.status, "pending"),
        sql`(${offers.expiresAt} <= ${now} OR ${offers.requestId} IN (SELECT id FROM rental_requests WHERE status != 'open'))`,
      ),
    )
    .returning()
    .all();
}

/**
 * The one step that makes an accept win: an open request becomes accepted by this offer, in one
 * conditional statement, so of two concurrent accepts on one request exactly one gets the row.
 * The same offer claiming again (a retried accept) gets it too. Answers the request, or null.
 */
export async function claimRequest(
  db: D1Db,
  requestId: string,
  offerId: string,
  now: string,
): Promise<RentalRequestRow | null> {
  const rows = await db
    .update(rentalRequests)
    .set({ status: "accepted", acceptedOfferId: offerId, updatedAt: now })
    .where(
      and(
        eq(rentalRequests.id, requestId),
        sql`((${rentalRequests.status} = 'open' AND ${rentalRequests.expiresAt} > ${now}) OR (${rentalRequests.status} = 'accepted' AND ${rentalRequests.acceptedOfferId} = ${offerId}))`,
      ),
    )
    .returning()
    .all();
  return rows[0] ?? null;
}

/** Gives a request back to the pool after its accept failed (the room was taken); only that offer's claim is undone. */
export async function releaseClaim(db: D1Db, requestId: string, offerId: string, now: string): Promise<void> {
  await db
    .update(rentalRequests)
    .set({ status: "open", acceptedOfferId: null, updatedAt: now })
    .where(
      and(
        eq(rentalRequests.id, requestId),
        eq(rentalRequests.acceptedOfferId, offerId),
        eq(rentalRequests.status, "accepted"),
      ),
    );
}

/** Whether `units` are free on every night of the stay in search's availability projection. */
export async function roomFreeFor(db: D1Db, roomId: string, start: string, end: string, units: number) {
  const taken = await db.all<{ day: string }>(sql`
    SELECT n.day FROM room_nights n JOIN listings l ON l.room_id = n.room_id
    WHERE n.room_id = ${roomId} AND n.day >= ${start} AND n.day < ${end} AND n.units + ${units} > l.capacity
    LIMIT 1`);
  return taken.length === 0;
}
