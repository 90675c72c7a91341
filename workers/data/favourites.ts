import { sql } from "drizzle-orm";
import type { KeyCursor } from "../domain/cursor";
import { batchSql, type D1Db } from "./d1";
import { LISTED_P } from "./catalog";

export interface FavouriteRow {
  propertyId: string;
  savedAt: string;
  title: string;
  city: string;
  country: string;
}

/** Saves a property for a user; true when it was not saved before. */
export async function addFavourite(db: D1Db, userId: string, propertyId: string, now = new Date()): Promise<boolean> {
  const [inserted] = await batchSql<[{ property_id: string }[]]>(db, [
    sql`INSERT INTO favourites (user_id, property_id, created_at) VALUES (${userId}, ${propertyId}, ${now.toISOString()})
      ON CONFLICT DO NOTHING RETURNING property_id`,
  ]);
  return inserted.length > 0;
}

/** Forgets a saved property and the history of saving it. */
export async function removeFavourite(db: D1Db, userId: string, propertyId: string): Promise<void> {
  await batchSql(db, [
    sql`DELETE FROM favourites WHERE user_id = ${userId} AND property_id = ${propertyId}`,
    sql`DELETE FROM interactions WHERE user_id = ${userId} AND kind = 'favourite' AND subject = ${propertyId}`,
  ]);
}

/** A user's saved properties, newest first, `limit + 1` rows after `after`. */
export async function listFavourites(
  db: D1Db,
  userId: string,
  limit: number,
  after: KeyCursor | null,
): Promise<FavouriteRow[]> {
  const from = after
    ? sql`AND (f.created_at < ${after.key} OR (f.created_at = ${after.key} AND f.property_id > ${after.id}))`
    : sql``;
  const [rows] = await batchSql<[FavouriteRow[]]>(db, [
    sql`SELECT f.property_id AS propertyId, f.created_at AS savedAt, p.title, p.city, p.country
      FROM favourites f JOIN properties p ON p.id = f.property_id
      WHERE f.user_id = ${userId} AND ${LISTED_P} ${from}
      ORDER BY f.created_at DESC, f.property_id ASC LIMIT ${limit + 1}`,
  ]);
  return rows;
}
