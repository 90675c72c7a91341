import { listings } from "../../schema/d1";
import type { EventOf } from "../../schema/events";
import { findProperty, roomsOfProperty } from "../data/catalog";
import type { D1Db } from "../data/db";

/**
 * Projects a property's rooms into the `listings` read model. It reads the current rows rather
 * than trusting the event's snapshot, so duplicate and out-of-order events converge on the truth.
 */
export async function projectListing(event: EventOf<"listing.changed">, _env: Env, db: D1Db): Promise<void> {
  const property = await findProperty(db, event.data.propertyId);
  if (!property) return;
  const rooms = await roomsOfProperty(db, property.id);
  const [first, ...rest] = rooms.map((room) => {
    const row = {
      roomId: room.id, propertyId: property.id, ownerId: property.ownerId, title: property.title, roomName: room.name,
      city: property.city, country: property.country, lat: property.lat, lng: property.lng, rentalMode: room.rentalMode,
      priceAmount: room.priceAmount, currency: room.currency, capacity: room.capacity, amenities: property.amenities,
      active: property.status === "active" && room.status === "active",
      sourceVersion: property.updatedAt > room.updatedAt ? property.updatedAt : room.updatedAt,
    };
    const { roomId: _id, ...changes } = row;
    return db.insert(listings).values(row).onConflictDoUpdate({ target: listings.roomId, set: changes });
  });
  if (first) await db.batch([first, ...rest]);
}
