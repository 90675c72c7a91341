import { and, asc, count, desc, eq, gt, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { bookings } from "../../schema/d1";
import type { D1Db } from "./d1";

export type BookingRow = typeof bookings.$inferSelect;
export type BookingStatus = BookingRow["status"];

/** The insert of a new booking, un-awaited, to batch with its outbox row; a repeat inserts nothing. */
export function insertBooking(db: D1Db, row: typeof bookings.$inferInsert) {
  return db.insert(bookings).values(row).onConflictDoNothing();
}

/** A booking of the D1 read model by id. */
export async function findBooking(db: D1Db, id: string): Promise<BookingRow | undefined> {
  return db.select().from(bookings).where(eq(bookings.id, id)).get();
}

/** Newest first; `as` decides whether the caller is the tenant or the landlord of the booking. */
export async function listBookings(
  db: D1Db,
  userId: string,
  as: "tenant" | "landlord",
  beforeId: string | null,
  limit: number,
): Promise<BookingRow[]> {
  const where: SQL[] = [eq(as === "tenant" ? bookings.tenantId : bookings.landlordId, userId)];
  if (beforeId) where.push(lt(bookings.id, beforeId));
  return db
    .select()
    .from(bookings)
    .where(and(...where))
    .orderBy(desc(bookings.id))
    .limit(limit + 1);
}

/**
 * Moves a booking forward. Statuses only advance (held → any end state, confirmed → cancelled),
 * so duplicate and reordered events cannot take a booking back.
 */
export async function advanceBooking(
  db: D1Db,
  id: string,
  status: Exclude<BookingStatus, "held">,
  refundedAmount?: number,
): Promise<void> {
  const forward =
    status === "cancelled"
      ? or(eq(bookings.status, "held"), eq(bookings.status, "confirmed"))
      : eq(bookings.status, "held");
  await db
    .update(bookings)
    .set({ status, updatedAt: new Date().toISOString() })
    .where(and(eq(bookings.id, id), forward));
  if (refundedAmount !== undefined) {
    await db
      .update(bookings)
      .set({ refundedAmount: sql`max(${bookings.refundedAmount}, ${refundedAmount})` })
      .where(eq(bookings.id, id));
  }
}

/** Records the PaymentIntent a hold was given (it reaches the read model after the row itself). */
export async function setPaymentIntent(db: D1Db, id: string, paymentIntentId: string): Promise<void> {
  await paymentIntentUpdate(db, id, paymentIntentId);
}

/** The same update, un-awaited, to batch many. */
export function paymentIntentUpdate(db: D1Db, id: string, paymentIntentId: string) {
  return db.update(bookings).set({ paymentIntentId }).where(eq(bookings.id, id));
}

/**
 * Bookings of a room that are still live in the read model: held (hold not yet lapsed) or
 * confirmed, with nights left after `today`. Filtered by landlord first, which is indexed.
 */
export async function countLiveBookings(db: D1Db, landlordId: string, roomId: string, now: Date): Promise<number> {
  const today = now.toISOString().slice(0, 10);
  const row = await db
    .select({ n: count() })
    .from(bookings)
    .where(
      and(
        eq(bookings.landlordId, landlordId),
        eq(bookings.roomId, roomId),
        gt(bookings.endDate, today),
        or(
          eq(bookings.status, "confirmed"),
          and(eq(bookings.status, "held"), gt(bookings.holdExpiresAt, now.toISOString())),
        ),
      ),
    )
    .get();
  return row?.n ?? 0;
}

/** A tenant's holds still waiting for payment, as the read model has them (it trails the calendars by the outbox's lag). */
export async function countLiveHolds(db: D1Db, tenantId: string, now = new Date()): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(bookings)
    .where(
      and(eq(bookings.tenantId, tenantId), eq(bookings.status, "held"), gt(bookings.holdExpiresAt, now.toISOString())),
    )
    .get();
  return row?.n ?? 0;
}

/** Where a page of held bookings ended: the next page starts after it. */
export interface HeldCursor {
  createdAt: string;
  id: string;
}

/**
 * Bookings the read model still shows held that were made before `createdBefore`, oldest first,
 * after `cursor`: the reconciliation cron's candidates (indexed on status and age).
 */
export async function heldBookingsBefore(
  db: D1Db,
  createdBefore: string,
  cursor: HeldCursor | null,
  limit: number,
): Promise<BookingRow[]> {
  const after = cursor
    ? or(
        gt(bookings.createdAt, cursor.createdAt),
        and(eq(bookings.createdAt, cursor.createdAt), gt(bookings.id, cursor.id)),
      )
    : undefined;
  return db
    .select()
    .from(bookings)
    .where(and(eq(bookings.status, "held"), lt(bookings.createdAt, createdBefore), after))
    .orderBy(asc(bookings.createdAt), asc(bookings.id))
    .limit(limit);
}

/** The read-model rows of these bookings, by id (D1 binds at most 100 parameters per statement). */
export async function findBookings(db: D1Db, ids: string[]): Promise<Map<string, BookingRow>> {
  const found = new Map<string, BookingRow>();
  for (let i = 0; i < ids.length; i += 99) {
    for (const row of await db
      .select()
      .from(bookings)
      .where(inArray(bookings.id, ids.slice(i, i + 99))))
      found.set(row.id, row);
  }
  return found;
}

/** Holds still waiting for payment that `userId` placed, or that sit on their rooms (a suspension ends them). */
export async function liveHoldsOf(db: D1Db, userId: string): Promise<BookingRow[]> {
  return db
    .select()
    .from(bookings)
    .where(and(eq(bookings.status, "held"), or(eq(bookings.tenantId, userId), eq(bookings.landlordId, userId))))
    .limit(500)
    .all();
}
