import type { EventOf } from "../../schema/events";
import type { D1Db } from "../data/d1";
import { projectAvailability } from "../data/search-index";

type BookingEvent = EventOf<"booking.held" | "booking.confirmed">;
type EndEvent = EventOf<"booking.cancelled" | "booking.expired" | "booking.payment_failed">;

/** A held or confirmed booking takes its nights in search's availability (once; nothing without its snapshot). */
export async function takeNights(event: BookingEvent, _env: Env, db: D1Db): Promise<void> {
  if (event.data.booking)
    await projectAvailability(db, event.data.bookingId, { live: true, booking: event.data.booking });
}

/** A cancelled, expired or unpaid booking gives its nights back (once, whichever event says so first). */
export async function freeNights(event: EndEvent, _env: Env, db: D1Db): Promise<void> {
  await projectAvailability(db, event.data.bookingId, { live: false, booking: event.data.booking });
}
