import type { EventOf } from "../../schema/events";
import { advanceBooking, findBooking, insertBooking } from "../data/bookings";
import type { D1Db } from "../data/d1";
import { compensateExpiredHold, recordFromCalendar, recordHeldBookings, rowOf } from "../services/bookings";
import { createLeaseFromBooking, unwindLeaseOnCancel } from "../services/leases";

type BookingEventType =
  "booking.held" | "booking.confirmed" | "booking.cancelled" | "booking.expired" | "booking.payment_failed";

/** Keeps the D1 bookings read model in step with the saga; statuses only move forward. */
export async function projectBooking(event: EventOf<BookingEventType>, env: Env, db: D1Db): Promise<void> {
  const { bookingId, refundedAmount } = event.data;
  if (event.type === "booking.held") return; // the row is written by recordHeld
  // The queue may deliver this before the held event: the row comes from the calendar then.
  await recordFromCalendar({ env, db }, bookingId);
  const status = event.type.slice("booking.".length) as "confirmed" | "cancelled" | "expired" | "payment_failed";
  await advanceBooking(db, bookingId, status, refundedAmount);
}

/**
 * A hold announced by its calendar's outbox: into the read model, and its PaymentIntent opened
 * (idempotent on the booking: a tenant who asked first already has it).
 */
export async function recordHeld(event: EventOf<"booking.held">, env: Env, db: D1Db): Promise<void> {
  const failed = await recordHeldBatch([event], env, db);
  if (failed.size > 0) throw new Error(`booking ${event.data.bookingId}: its PaymentIntent could not be opened`);
}

/**
 * Held events of one queue batch together (a busy room's outbox sends many at once). They skip the
 * per-event claim: every step is idempotent on the booking, so a duplicate delivery converges.
 * Returns the event ids to retry.
 */
export async function recordHeldBatch(events: EventOf<"booking.held">[], env: Env, db: D1Db): Promise<Set<string>> {
  const withSnapshot = events.filter((e) => e.data.booking);
  const failed = await recordHeldBookings(
    { env, db },
    withSnapshot.map((e) => e.data.booking!),
  );
  return new Set(withSnapshot.filter((e) => failed.has(e.data.bookingId)).map((e) => e.id));
}

/** An expired hold (announced by the calendar) also gives back the contract and cancels the payment. */
export async function expireBooking(event: EventOf<"booking.expired">, env: Env, db: D1Db): Promise<void> {
  if (event.data.booking) await insertBooking(db, rowOf(event.data.booking)); // expired before its held event was consumed
  if (event.data.refundedAmount === undefined)
    await compensateExpiredHold({ env, db }, event.data.bookingId, event.data.booking);
  await projectBooking(event, env, db);
}

/**
 * A confirmed booking of a monthly room becomes a lease (once per booking). A booking cancelled
 * before this ran never becomes one; and if the cancellation's unwind ran while the lease was
 * being written (and found nothing), the second look after writing unwinds it here.
 */
export async function confirmBookingLease(event: EventOf<"booking.confirmed">, env: Env, db: D1Db): Promise<void> {
  const { bookingId } = event.data;
  await projectBooking(event, env, db);
  const booking = await findBooking(db, bookingId);
  if (booking?.status !== "confirmed") return;
  await createLeaseFromBooking(env, db, bookingId, booking.paymentIntentId);
  const after = await findBooking(db, bookingId);
  if (after?.status === "cancelled") await unwindLeaseOnCancel(env, bookingId, after.refundedAmount);
}

/** A cancellation with a lease unwinds it in the ledger: reversal and refund entries. */
export async function cancelBookingLedger(event: EventOf<"booking.cancelled">, env: Env, db: D1Db): Promise<void> {
  if (event.data.booking) await insertBooking(db, rowOf(event.data.booking)); // a hold taken back before it was recorded
  await projectBooking(event, env, db);
  await unwindLeaseOnCancel(env, event.data.bookingId, event.data.refundedAmount ?? 0);
}
