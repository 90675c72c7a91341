import type { EventOf } from "../../schema/events";
import { findProperty, roomsOfProperty } from "../data/catalog";
import { indexListings } from "../data/search-index";
import type { D1Db } from "../data/d1";
import { listingOf } from "../domain/listing";

/**
 * Projects a property's rooms into the `listings` read model and search's index. It reads the current rows rather
 * than trusting the event's snapshot, so duplicate and out-of-order events converge on the truth.
 */
export async function projectListing(event: EventOf<"listing.changed">, _env: Env, db: D1Db): Promise<void> {
  const property = await findProperty(db, event.data.propertyId);
  if (!property) return;
  const rooms = await roomsOfProperty(db, property.id);
  const rows = rooms.map((room) => listingOf(property, room));
  await indexListings(db, rows);
}
