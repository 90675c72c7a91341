import type {
  CreatePropertyInput,
  CreateRoomInput,
  PropertyView,
  RoomView,
  UpdatePropertyInput,
  UpdateRoomInput,
} from "../../schema/api/catalog";
import type { EventOf } from "../../schema/events";
import type { Deps } from "../deps";
import {
  findProperty,
  findRoom,
  listProperties as queryProperties,
  listRooms as queryRooms,
  propertyInsert,
  propertyUpdate,
  roomInsert,
  roomsOfProperty,
  roomUpdate,
  type PropertyRow,
  type RoomRow,
} from "../data/catalog";
import { countLiveBookings } from "../data/bookings";
import { outboxInsert } from "../data/outbox";
import { withPg } from "../data/pg";
import { countLiveLeases } from "../data/room-leases";
import { toPage } from "../domain/cursor";
import { daysBetween } from "../domain/dates";
import { newId } from "../domain/ids";
import { isListed } from "../domain/listing";
import type { AuthUser } from "../domain/tokens";
import { newEvent, publish } from "../outbox";
import { AppError } from "../errors";
import { requireVerifiedEmail } from "./account";
import { pushRoomTerms } from "./room-terms";

type ListingReason = EventOf<"listing.changed">["data"]["reason"];
const notFound = (what: string) => new AppError("not_found", `No such ${what}.`);

/** Lists a landlord's new property and announces it. */
export async function createProperty(deps: Deps, owner: AuthUser, input: CreatePropertyInput): Promise<PropertyView> {
  await requireVerifiedEmail(deps, owner, "publish a property");
  const row: PropertyRow = {
    id: newId("prop"),
    ownerId: owner.id,
    title: input.title,
    description: input.description,
    type: input.type,
    line1: input.address.line1,
    city: input.address.city,
    postalCode: input.address.postalCode ?? null,
    country: input.address.country,
    lat: input.location.lat,
    lng: input.location.lng,
    amenities: input.amenities,
    timezone: input.timezone,
    status: "active",
    hiddenAt: null,
    hiddenReason: null,
    ownerSuspendedAt: null,
    createdAt: now(),
    updatedAt: now(),
  };
  await writeWithEvent(deps, row.id, "created", propertyInsert(deps.db, row));
  return toPropertyView(row);
}

/** Whether `viewer` may see a property: anyone while it is listed; its owner and admins always. */
export function seesProperty(row: PropertyRow, viewer: AuthUser | null | undefined): boolean {
  return isListed(row) || row.ownerId === viewer?.id || viewer?.role === "admin";
}

/** A property as `viewer` may see it: archived, hidden or suspended ones only for their owner (and admins). */
export async function getProperty(deps: Deps, viewer: AuthUser | null, id: string): Promise<PropertyView> {
  const row = await findProperty(deps.db, id);
  if (!row || !seesProperty(row, viewer)) throw notFound("property");
  return toPropertyView(row);
}

/** Changes the fields of `patch` on the owner's property and announces it. */
export async function updateProperty(
  deps: Deps,
  owner: AuthUser,
  id: string,
  patch: UpdatePropertyInput,
): Promise<PropertyView> {
  const current = await ownedProperty(deps, owner, id);
  const next: PropertyRow = {
    ...current,
    ...(patch.title !== undefined && { title: patch.title }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.type !== undefined && { type: patch.type }),
    ...(patch.address && {
      line1: patch.address.line1,
      city: patch.address.city,
      postalCode: patch.address.postalCode ?? null,
      country: patch.address.country,
    }),
    ...(patch.location && { lat: patch.location.lat, lng: patch.location.lng }),
    ...(patch.amenities !== undefined && { amenities: patch.amenities }),
    ...(patch.timezone !== undefined && { timezone: patch.timezone }),
    updatedAt: now(),
  };
  // Moderation is the admins' to write: never written back from this read, so a hide made meanwhile stands.
  const {
    id: _id,
    ownerId: _owner,
    createdAt: _created,
    hiddenAt: _hidden,
    hiddenReason: _why,
    ownerSuspendedAt: _suspended,
    ...changes
  } = next;
  await writeWithEvent(deps, id, "updated", propertyUpdate(deps.db, id, changes));
  await pushPropertyTerms(deps, (await findProperty(deps.db, id)) ?? next);
  return toPropertyView(next);
}

/** Archives instead of deleting: bookings, leases and history keep pointing at it. */
export async function archiveProperty(deps: Deps, owner: AuthUser, id: string): Promise<void> {
  const current = await ownedProperty(deps, owner, id);
  if (current.status === "archived") return;
  const archived: PropertyRow = { ...current, status: "archived", updatedAt: now() };
  await writeWithEvent(
    deps,
    id,
    "archived",
    propertyUpdate(deps.db, id, { status: archived.status, updatedAt: archived.updatedAt }),
  );
  await pushPropertyTerms(deps, archived);
}

/** A page of properties by city or country; `mine` lists the caller's own, archived ones too. */
export async function listProperties(
  deps: Deps,
  viewer: AuthUser | null,
  q: { city?: string; country?: string; mine?: "true" | "false"; limit: number; cursor: string | null },
) {
  const mine = q.mine === "true";
  if (mine && !viewer) throw new AppError("unauthorized", "A valid access token is required.");
  if (mine && viewer?.role !== "landlord")
    throw new AppError("forbidden", "Only landlords have properties of their own.");
  const rows = await queryProperties(
    deps.db,
    {
      ...(mine && viewer ? { ownerId: viewer.id } : {}),
      city: q.city,
      country: q.country,
      includeArchived: mine,
    },
    q.cursor,
    q.limit,
  );
  const page = toPage(rows, q.limit);
  return { items: page.items.map(toPropertyView), nextCursor: page.nextCursor };
}

/** Adds a room to the owner's property: its calendar is configured first, then the room is listed. */
export async function createRoom(
  deps: Deps,
  owner: AuthUser,
  propertyId: string,
  input: CreateRoomInput,
): Promise<RoomView> {
  const property = await ownedProperty(deps, owner, propertyId);
  if (property.status === "archived")
    throw new AppError("conflict", "The property is archived; archived properties cannot take new rooms.");
  const row: RoomRow = {
    id: newId("room"),
    propertyId,
    name: input.name,
    capacity: input.capacity,
    rentalMode: input.rentalMode,
    priceAmount: input.price.amount,
    depositAmount: input.deposit.amount,
    currency: input.price.currency,
    minNights: input.minNights ?? null,
    maxNights: input.maxNights ?? null,
    freeCancellationDays: input.freeCancellationDays ?? 14,
    status: "active",
    createdAt: now(),
    updatedAt: now(),
  };
  await pushRoomTerms(deps, row, property, { withCap: true });
  await writeWithEvent(deps, propertyId, "room_added", roomInsert(deps.db, row));
  return toRoomView(row);
}

/** A room as `viewer` may see it: a room of an archived property or an archived room only for its owner. */
export async function getRoom(deps: Deps, viewer: AuthUser | null, id: string): Promise<RoomView> {
  const found = await findRoom(deps.db, id);
  if (!found) throw notFound("room");
  const shown = found.room.status === "active" && isListed(found.property);
  if (!shown && found.property.ownerId !== viewer?.id && viewer?.role !== "admin") throw notFound("room");
  return toRoomView(found.room);
}

/**
 * Changes a room; a new capacity or stay length is checked by the room's calendar against what is
 * booked, a new rental mode here against the room's live bookings and leases.
 */
export async function updateRoom(deps: Deps, owner: AuthUser, id: string, patch: UpdateRoomInput): Promise<RoomView> {
  const found = await findRoom(deps.db, id);
  if (!found || found.property.ownerId !== owner.id) throw notFound("room");
  const current = found.room;
  if (patch.rentalMode !== undefined && patch.rentalMode !== current.rentalMode)
    await assertNoLiveStays(deps, owner.id, id);
  const currency = patch.price?.currency ?? current.currency;
  if (
    (patch.price && !patch.deposit && patch.price.currency !== current.currency) ||
    (patch.deposit && !patch.price && patch.deposit.currency !== current.currency)
  ) {
    throw new AppError("validation_failed", "Price and deposit must share one currency.", {
      errors: [{ path: "price.currency", message: "must equal the deposit currency" }],
    });
  }
  const next: RoomRow = {
    ...current,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.capacity !== undefined && { capacity: patch.capacity }),
    ...(patch.rentalMode !== undefined && { rentalMode: patch.rentalMode }),
    ...(patch.price && { priceAmount: patch.price.amount }),
    ...(patch.deposit && { depositAmount: patch.deposit.amount }),
    ...(patch.minNights !== undefined && { minNights: patch.minNights }),
    ...(patch.maxNights !== undefined && { maxNights: patch.maxNights }),
    ...(patch.freeCancellationDays !== undefined && { freeCancellationDays: patch.freeCancellationDays }),
    currency,
    updatedAt: now(),
  };
  if (next.minNights && next.maxNights && next.minNights > next.maxNights) {
    throw new AppError("validation_failed", "minNights is above maxNights.", {
      errors: [{ path: "maxNights", message: "must be ≥ minNights" }],
    });
  }
  // The calendar prices and checks bookings from these terms, and refuses a capacity cut below what is booked.
  await pushRoomTerms(deps, next, found.property);
  const { id: _id, propertyId: _p, createdAt: _c, ...changes } = next;
  await writeWithEvent(deps, current.propertyId, "room_updated", roomUpdate(deps.db, id, changes));
  return toRoomView(next);
}

/**
 * A room's rental mode decides how its stays are priced, whether a paid booking becomes a lease
 * and how that lease bills, so it may change only while nothing is running on the old mode: no
 * live booking (D1's read model, which the calendar's outbox feeds) and no lease that has not ended.
 */
async function assertNoLiveStays(deps: Deps, landlordId: string, roomId: string): Promise<void> {
  const at = new Date();
  const [liveBookings, liveLeases] = await Promise.all([
    countLiveBookings(deps.db, landlordId, roomId, at),
    withPg(deps.env, (db) => countLiveLeases(db, landlordId, roomId, at.toISOString().slice(0, 10))),
  ]);
  if (liveBookings + liveLeases === 0) return;
  throw new AppError(
    "rental_mode_locked",
    `The rental mode cannot change while the room has ${liveBookings} live booking(s) and ${liveLeases} lease(s) running; ` +
      "wait until they end (cancel the bookings, give notice on the leases).",
    { members: { liveBookings, liveLeases } },
  );
}

/** A page of a property's rooms; archived rooms only for its owner. */
export async function listRooms(
  deps: Deps,
  viewer: AuthUser | null,
  propertyId: string,
  q: { limit: number; cursor: string | null },
) {
  const property = await findProperty(deps.db, propertyId);
  const isOwner = property?.ownerId === viewer?.id;
  if (!property || !seesProperty(property, viewer)) throw notFound("property");
  const page = toPage(await queryRooms(deps.db, propertyId, isOwner, q.cursor, q.limit), q.limit);
  return { items: page.items.map(toRoomView), nextCursor: page.nextCursor };
}

const MAX_AVAILABILITY_DAYS = 366;

/** Free units per day over `[from, to)`, read from the room's calendar object. */
export async function roomAvailability(
  deps: Deps,
  viewer: AuthUser | null,
  id: string,
  range: { from: string; to: string },
) {
  const room = await getRoom(deps, viewer, id);
  if (daysBetween(range.from, range.to) > MAX_AVAILABILITY_DAYS) {
    throw new AppError("validation_failed", `Ask for at most ${MAX_AVAILABILITY_DAYS} days at a time.`, {
      errors: [{ path: "to", message: "range too long" }],
    });
  }
  const days = await deps.env.ROOM_CALENDAR.getByName(id).availability(range.from, range.to, {
    capacity: room.capacity,
    minNights: room.minNights,
    maxNights: room.maxNights,
  });
  return {
    roomId: id,
    capacity: room.capacity,
    days: days.map((d) => ({ date: d.date, available: d.available > 0, units: d.available })),
  };
}

/** A property's change (timezone, archive, moderation) reaches the terms of each of its rooms' calendars. */
export async function pushPropertyTerms(deps: Deps, property: PropertyRow): Promise<void> {
  const rooms = await roomsOfProperty(deps.db, property.id);
  await Promise.all(rooms.map((room) => pushRoomTerms(deps, room, property)));
}

/** The property if `owner` owns it; 404 otherwise, so other landlords learn nothing. */
async function ownedProperty(deps: Deps, owner: AuthUser, id: string): Promise<PropertyRow> {
  const row = await findProperty(deps.db, id);
  if (!row || row.ownerId !== owner.id) throw notFound("property");
  return row;
}

/** Writes the change and its listing.changed event in one D1 batch, then sends the event. */
export async function writeWithEvent(
  deps: Deps,
  propertyId: string,
  reason: ListingReason,
  write: Parameters<Deps["db"]["batch"]>[0][number],
): Promise<void> {
  const event = newEvent("listing.changed", { propertyId, reason });
  await deps.db.batch([write, outboxInsert(deps.db, event)]);
  await publish(deps.env, deps.db, [event]);
}

const now = () => new Date().toISOString();

/** A property as the API shows it. */
export function toPropertyView(r: PropertyRow): PropertyView {
  return {
    id: r.id,
    ownerId: r.ownerId,
    title: r.title,
    description: r.description,
    type: r.type,
    address: { line1: r.line1, city: r.city, postalCode: r.postalCode, country: r.country },
    location: { lat: r.lat, lng: r.lng },
    amenities: r.amenities,
    timezone: r.timezone,
    status: r.status,
    ...((r.hiddenAt || r.ownerSuspendedAt) && {
      moderation: { hiddenAt: r.hiddenAt, reason: r.hiddenReason, ownerSuspended: r.ownerSuspendedAt !== null },
    }),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** A room as the API shows it. */
export function toRoomView(r: RoomRow): RoomView {
  return {
    id: r.id,
    propertyId: r.propertyId,
    name: r.name,
    capacity: r.capacity,
    rentalMode: r.rentalMode,
    price: { amount: r.priceAmount, currency: r.currency },
    deposit: { amount: r.depositAmount, currency: r.currency },
    minNights: r.minNights,
    maxNights: r.maxNights,
    freeCancellationDays: r.freeCancellationDays,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
