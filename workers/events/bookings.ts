import type { EventOf } from "../../schema/events";
import { advanceBooking } from "../data/bookings";
import type { D1Db } from "../data/db";
import { compensateExpiredHold } from "../services/bookings";

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
