import type { EventOf } from "../../schema/events";
import { advanceBooking, findBooking } from "../data/bookings";
import type { D1Db } from "../data/db";
import { compensateExpiredHold } from "../services/bookings";
import { createLeaseFromBooking, unwindLeaseOnCancel } from "../services/leases";

type BookingEventType = "booking.held" | "booking.confirmed" | "booking.cancelled" | "booking.expired" | "booking.payment_failed";

/** Keeps the D1 bookings read model in step with the saga; statuses only move forward. */
export async function projectBooking(event: EventOf<BookingEventType>, _env: Env, db: D1Db): Promise<void> {
  const { bookingId, refundedAmount } = event.data;
  if (event.type === "booking.held") return; // the row is written with the hold
  const status = event.type.slice("booking.".length) as "confirmed" | "cancelled" | "expired" | "payment_failed";
  await advanceBooking(db, bookingId, status, refundedAmount);
}

/** An expired hold (announced by the calendar) also gives back the contract and cancels the payment. */
export async function expireBooking(event: EventOf<"booking.expired">, env: Env, db: D1Db): Promise<void> {
  if (event.data.refundedAmount === undefined) await compensateExpiredHold({ env, db }, event.data.bookingId);
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
  await projectBooking(event, env, db);
  await unwindLeaseOnCancel(env, event.data.bookingId, event.data.refundedAmount ?? 0);
}
