import { and, asc, count, eq, gt, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { properties, rooms } from "../../schema/d1";
import type { D1Db } from "./d1";

export type PropertyRow = typeof properties.$inferSelect;

/** A property the public may see, as a query condition: the data side of `isListed()` (domain/listing.ts). */
export const listedProperty = () =>
  and(eq(properties.status, "active"), isNull(properties.hiddenAt), isNull(properties.ownerSuspendedAt))!;

/** The same condition in hand-written SQL, over a `properties` row aliased `p`. */
export const LISTED_P = sql.raw("p.status = 'active' AND p.hidden_at IS NULL AND p.owner_suspended_at IS NULL");
export type RoomRow = typeof rooms.$inferSelect;

/** Properties by id (at most 100: D1's bound parameters), archived or not, with all their rooms. */
export async function propertiesWithRooms(
  db: D1Db,
  ids: string[],
): Promise<{ property: PropertyRow; rooms: RoomRow[] }[]> {
  if (ids.length === 0) return [];
  const [found, theirRooms] = await db.batch([
    db.select().from(properties).where(inArray(properties.id, ids)),
    db.select().from(rooms).where(inArray(rooms.propertyId, ids)),
  ]);
  return found.map((property) => ({ property, rooms: theirRooms.filter((r) => r.propertyId === property.id) }));
}

/** A property by id, archived or not. */
export async function findProperty(db: D1Db, id: string): Promise<PropertyRow | undefined> {
  return db.select().from(properties).where(eq(properties.id, id)).get();
}

/** A room with the property it belongs to. */
export async function findRoom(db: D1Db, id: string): Promise<{ room: RoomRow; property: PropertyRow } | undefined> {
  const row = await db
    .select({ room: rooms, property: properties })
    .from(rooms)
    .innerJoin(properties, eq(rooms.propertyId, properties.id))
    .where(eq(rooms.id, id))
    .get();
  return row ?? undefined;
}

export interface PropertyFilter {
  ownerId?: string;
  city?: string;
  country?: string;
  includeArchived: boolean;
}

/** A page of properties in id (= creation) order after `afterId`, fetching one extra row. */
export async function listProperties(
  db: D1Db,
  filter: PropertyFilter,
  afterId: string | null,
  limit: number,
): Promise<PropertyRow[]> {
  const where: SQL[] = [];
  if (!filter.includeArchived) where.push(listedProperty());
  if (filter.ownerId) where.push(eq(properties.ownerId, filter.ownerId));
  if (filter.city) where.push(eq(properties.city, filter.city));
  if (filter.country) where.push(eq(properties.country, filter.country));
  if (afterId) where.push(gt(properties.id, afterId));
  return db
    .select()
    .from(properties)
    .where(and(...where))
    .orderBy(asc(properties.id))
    .limit(limit + 1);
}

/** A page of a property's rooms in id order after `afterId`, fetching one extra row. */
export async function listRooms(
  db: D1Db,
  propertyId: string,
  includeArchived: boolean,
  afterId: string | null,
  limit: number,
): Promise<RoomRow[]> {
  const where: SQL[] = [eq(rooms.propertyId, propertyId)];
  if (!includeArchived) where.push(eq(rooms.status, "active"));
  if (afterId) where.push(gt(rooms.id, afterId));
  return db
    .select()
    .from(rooms)
    .where(and(...where))
    .orderBy(asc(rooms.id))
    .limit(limit + 1);
}

/** Every room of a property, archived ones too. */
export async function roomsOfProperty(db: D1Db, propertyId: string): Promise<RoomRow[]> {
  return db.select().from(rooms).where(eq(rooms.propertyId, propertyId));
}

/** The insert of a new property, un-awaited, to batch with its outbox row. */
export function propertyInsert(db: D1Db, row: PropertyRow) {
  return db.insert(properties).values(row);
}

/** The update of a property, un-awaited, to batch with its outbox row. */
export function propertyUpdate(db: D1Db, id: string, changes: Partial<PropertyRow>) {
  return db.update(properties).set(changes).where(eq(properties.id, id));
}

/** The insert of a new room, un-awaited, to batch with its outbox row. */
export function roomInsert(db: D1Db, row: RoomRow) {
  return db.insert(rooms).values(row);
}

/** The update of a room, un-awaited, to batch with its outbox row. */
export function roomUpdate(db: D1Db, id: string, changes: Partial<RoomRow>) {
  return db.update(rooms).set(changes).where(eq(rooms.id, id));
}

/** Ids of every room of a landlord's properties, archived or not (their calendars may hold bookings). */
export async function roomIdsOfOwner(db: D1Db, ownerId: string): Promise<string[]> {
  const rows = await db
    .select({ id: rooms.id })
    .from(rooms)
    .innerJoin(properties, eq(rooms.propertyId, properties.id))
    .where(eq(properties.ownerId, ownerId));
  return rows.map((r) => r.id);
}

/** How many listed rooms (active, in active properties) the landlord has. */
export async function listedRoomCount(db: D1Db, ownerId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(rooms)
    .innerJoin(properties, eq(rooms.propertyId, properties.id))
    .where(and(eq(properties.ownerId, ownerId), listedProperty(), eq(rooms.status, "active")))
    .get();
  return row?.n ?? 0;
}

/** Every property of an owner, archived or not (a suspension relists them all). */
export async function propertiesOfOwner(db: D1Db, ownerId: string): Promise<PropertyRow[]> {
  return db.select().from(properties).where(eq(properties.ownerId, ownerId)).orderBy(asc(properties.id)).all();
}

/**
 * Marks (or clears, with null) every property of an owner as the owner's suspension; `updatedAt`
 * moves so the rooms' calendars take the new terms. Un-awaited, to batch with the user's row.
 */
export function ownerSuspensionUpdate(db: D1Db, ownerId: string, at: string | null) {
  return db
    .update(properties)
    .set({ ownerSuspendedAt: at, updatedAt: new Date().toISOString() })
    .where(eq(properties.ownerId, ownerId));
}
