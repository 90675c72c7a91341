import type { RoomTerms } from "../../durable-objects/room-calendar";
import type { Deps } from "../deps";
import { findRoom, type PropertyRow, type RoomRow } from "../data/catalog";
import { isListed } from "../domain/listing";
import { AppError } from "../errors";

/** What a room's calendar needs to decide and price bookings alone, from the catalog's rows. */
export function termsOf(room: RoomRow, property: PropertyRow): RoomTerms {
  return {
    version: property.updatedAt > room.updatedAt ? property.updatedAt : room.updatedAt,
    active: room.status === "active" && isListed(property),
    roomId: room.id,
    propertyId: property.id,
    ownerId: property.ownerId,
    timezone: property.timezone,
    rentalMode: room.rentalMode,
    priceAmount: room.priceAmount,
    depositAmount: room.depositAmount,
    currency: room.currency,
    capacity: room.capacity,
    minNights: room.minNights,
    maxNights: room.maxNights,
  };
}

/**
 * Pushes a room's terms to its calendar (refused with 409 `capacity_conflict` when its capacity is
 * below what is booked); `withCap` also tells a new room's calendar whether its landlord caps contracts.
 */
export async function pushRoomTerms(
  deps: Deps,
  room: RoomRow,
  property: PropertyRow,
  opts: { withCap?: boolean } = {},
): Promise<void> {
  const calendar = deps.env.ROOM_CALENDAR.getByName(room.id);
  const set = await calendar.setTerms(termsOf(room, property));
  if (!set.ok && set.code === "rental_mode_locked") {
    throw new AppError(
      "rental_mode_locked",
      `The rental mode cannot change while the room has ${set.liveBookings} live booking(s).`,
      {
        members: { liveBookings: set.liveBookings, liveLeases: 0 },
      },
    );
  }
  if (!set.ok) {
    const days = set.days
      .slice(0, 10)
      .map((d) => `${d.date} (${d.taken} taken)`)
      .join(", ");
    throw new AppError("capacity_conflict", `Capacity ${room.capacity} is below what is already booked on: ${days}.`);
  }
  if (!opts.withCap) return;
  const desk = deps.env.LANDLORD_DESK.getByName(property.ownerId);
  if ((await desk.status()).totalCapacity !== null) await desk.adopt(await calendar.setCapped(true));
}

/**
 * Pushes a room's terms to its calendar, with whether its landlord caps contracts. Rooms written
 * by the catalog push on every change; this is the path for a room whose calendar never had them
 * (made by older code or by the demo seed). 404 when the room does not exist.
 */
export async function syncRoomTerms(deps: Deps, roomId: string): Promise<void> {
  const found = await findRoom(deps.db, roomId);
  if (!found) throw new AppError("not_found", "No such room.");
  await pushRoomTerms(deps, found.room, found.property, { withCap: true });
}
