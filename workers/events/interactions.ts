import type { EventOf } from "../../schema/events";
import type { D1Db } from "../data/d1";
import { recordInteraction } from "../data/interactions";

/** A tenant's hold is the strongest thing their recommendations learn from: recorded once per property. */
export async function noteBooking(event: EventOf<"booking.held">, _env: Env, db: D1Db): Promise<void> {
  const b = event.data.booking;
  if (b) await recordInteraction(db, b.tenantId, "booking", b.propertyId, new Date(b.createdAt), Infinity);
}
