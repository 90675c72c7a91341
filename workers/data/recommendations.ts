import { sql, type SQL } from "drizzle-orm";
import { batchSql, type D1Db } from "./d1";

/** A listing as recommendations read it: enough to build its vector and to show it. */
export interface ListingLite {
  roomId: string;
  propertyId: string;
  title: string;
  roomName: string;
  description: string;
  city: string;
  country: string;
  lat: number;
  lng: number;
  type: string;
  rentalMode: string;
  priceAmount: number;
  currency: string;
  capacity: number;
  amenities: string;
}

const LITE = sql.raw(`l.room_id AS roomId, l.property_id AS propertyId, l.title, l.room_name AS roomName, l.description,
  l.city, l.country, l.lat, l.lng, l.type, l.rental_mode AS rentalMode, l.price_amount AS priceAmount, l.currency,
  l.capacity, l.amenities`);

export interface Taste {
  interactions: { kind: string; subject: string; at: string }[];
  favourites: { propertyId: string; at: string }[];
  listings: ListingLite[];
  bookedRooms: string[];
}

/** How many recent interactions make a tenant's taste. */
const TASTE_INTERACTIONS = 50;

/**
 * Everything a tenant's recommendations start from, in one D1 batch: their recent interactions,
 * their favourites, the listings of every property in either, and the rooms they booked.
 */
export async function tasteOf(db: D1Db, userId: string): Promise<Taste> {
  const [interactions, favourites, listings, booked] = await batchSql<
    [Taste["interactions"], Taste["favourites"], ListingLite[], { room_id: string }[]]
  >(db, [
    sql`SELECT kind, subject, at FROM interactions WHERE user_id = ${userId} ORDER BY at DESC LIMIT ${TASTE_INTERACTIONS}`,
    sql`SELECT property_id AS propertyId, created_at AS at FROM favourites WHERE user_id = ${userId} ORDER BY created_at DESC LIMIT ${TASTE_INTERACTIONS}`,
    sql`SELECT ${LITE} FROM listings l WHERE l.property_id IN (
      SELECT subject FROM (SELECT subject FROM interactions WHERE user_id = ${userId} AND kind <> 'search' ORDER BY at DESC LIMIT ${TASTE_INTERACTIONS})
      UNION SELECT property_id FROM (SELECT property_id FROM favourites WHERE user_id = ${userId} ORDER BY created_at DESC LIMIT ${TASTE_INTERACTIONS}))`,
    // Booked means held or kept: a hold that expired, failed or was cancelled does not rule the room out.
    sql`SELECT DISTINCT room_id FROM bookings WHERE tenant_id = ${userId} AND status IN ('held', 'confirmed')`,
  ]);
  return { interactions, favourites, listings, bookedRooms: booked.map((b) => b.room_id) };
}

/** Filters every recommended listing must pass (the vector index already applied what it could). */
export interface ListingFilter {
  city: string | null;
  country?: string | null;
  rentalMode?: string | null;
  currency?: string | null;
  units: number;
  dates: { from: string; to: string } | null;
  /** Leave out the properties this tenant saved (all of them, not only the newest the taste reads). */
  notSavedBy?: string;
}

/** Active listings among `roomIds` that pass `f` (capacity, free on every night of the dates, not saved), in no order. */
export async function usableListings(db: D1Db, roomIds: string[], f: ListingFilter): Promise<ListingLite[]> {
  if (roomIds.length === 0) return [];
  const [rows] = await batchSql<[ListingLite[]]>(db, [
    sql`SELECT ${LITE} FROM listings l WHERE l.room_id IN (SELECT value FROM json_each(${JSON.stringify(roomIds)}))
      AND ${usable(f)}`,
  ]);
  return rows;
}

/**
 * The most interacted-with active listings of the last `days` days (views, saves, bookings by
 * anyone) that pass `f`, most first (`popular`), and the newest that pass it (`fresh`, to fill up).
 * Popularity is counted over the platform's 1,000 most interacted-with properties, then filtered.
 */
export async function popularListings(
  db: D1Db,
  f: ListingFilter,
  limit: number,
  days = 30,
): Promise<{ popular: ListingLite[]; fresh: ListingLite[] }> {
  const since = new Date(Date.now() - days * 86_400_000).toISOString();
  // Rooms, several per property: the caller keeps one per property, so ask for a few per item.
  const rooms = limit * 4;
  const [popular, fresh] = await batchSql<[(ListingLite & { n: number })[], ListingLite[]]>(db, [
    sql`SELECT ${LITE}, p.n FROM (
        SELECT subject, count(*) AS n FROM interactions WHERE kind IN ('view', 'favourite', 'booking') AND at >= ${since}
        GROUP BY subject ORDER BY n DESC LIMIT 1000
      ) AS p JOIN listings l ON l.property_id = p.subject
      WHERE ${usable(f)} ORDER BY p.n DESC, l.room_id LIMIT ${rooms}`,
    sql`SELECT ${LITE} FROM listings l WHERE ${usable(f)} ORDER BY l.listed_at DESC, l.room_id LIMIT ${rooms}`,
  ]);
  return { popular, fresh };
}

function usable(f: ListingFilter): SQL {
  // `+l.active`: not an index term, so a lookup by room id stays a lookup (SQLite otherwise picks
  // an index on `active` and reads every active listing).
  const parts: SQL[] = [sql`+l.active = 1`, sql`l.capacity >= ${f.units}`];
  if (f.city) parts.push(sql`l.city = ${f.city} COLLATE NOCASE`);
  if (f.country) parts.push(sql`l.country = ${f.country}`);
  if (f.rentalMode) parts.push(sql`l.rental_mode = ${f.rentalMode}`);
  if (f.currency) parts.push(sql`l.currency = ${f.currency}`);
  if (f.notSavedBy)
    parts.push(
      sql`NOT EXISTS (SELECT 1 FROM favourites s WHERE s.user_id = ${f.notSavedBy} AND s.property_id = l.property_id)`,
    );
  if (f.dates)
    parts.push(sql`NOT EXISTS (SELECT 1 FROM room_nights n WHERE n.room_id = l.room_id
      AND n.day >= ${f.dates.from} AND n.day < ${f.dates.to} AND n.units > l.capacity - ${f.units})`);
  return sql.join(parts, sql` AND `);
}

/** The active listings of one property (for "similar listings"). */
export async function listingsOfProperty(db: D1Db, propertyId: string): Promise<ListingLite[]> {
  const [rows] = await batchSql<[ListingLite[]]>(db, [
    sql`SELECT ${LITE} FROM listings l WHERE l.property_id = ${propertyId} AND l.active = 1`,
  ]);
  return rows;
}
