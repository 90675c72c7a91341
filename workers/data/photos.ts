import { asc, eq, inArray, sql } from "drizzle-orm";
import { photos } from "../../schema/d1";
import type { DomainEvent } from "../../schema/events";
import { batchSql, type D1Db } from "./d1";

export type PhotoRow = typeof photos.$inferSelect;

/**
 * Adds the photo and its event in one batch, only while the property has fewer than `max`: the
 * count and the insert are one statement, so racing uploads cannot pass the cap. False when full.
 */
export async function insertPhotoUnderCap(
  db: D1Db,
  row: Omit<PhotoRow, "position" | "createdAt">,
  event: DomainEvent,
  max: number,
): Promise<boolean> {
  const [inserted] = await batchSql<[{ id: string }[], unknown[]]>(db, [
    sql`INSERT INTO photos (id, property_id, object_key, content_type, bytes, width, height, position, caption)
      SELECT ${row.id}, ${row.propertyId}, ${row.objectKey}, ${row.contentType}, ${row.bytes}, ${row.width}, ${row.height},
        COALESCE((SELECT max(position) + 1 FROM photos WHERE property_id = ${row.propertyId}), 0), ${row.caption}
      WHERE (SELECT count(*) FROM photos WHERE property_id = ${row.propertyId}) < ${max}
      RETURNING id`,
    sql`INSERT INTO outbox (id, type, payload) SELECT ${event.id}, ${event.type}, ${JSON.stringify(event)}
      WHERE EXISTS (SELECT 1 FROM photos WHERE id = ${row.id})`,
  ]);
  return inserted.length > 0;
}

export async function findPhoto(db: D1Db, id: string): Promise<PhotoRow | undefined> {
  return db.select().from(photos).where(eq(photos.id, id)).get();
}

/** A property's photos, cover first. */
export async function photosOf(db: D1Db, propertyId: string): Promise<PhotoRow[]> {
  return db
    .select()
    .from(photos)
    .where(eq(photos.propertyId, propertyId))
    .orderBy(asc(photos.position), asc(photos.id))
    .all();
}

/** The cover photo id of each property that has one (first by position). */
export async function coverPhotos(db: D1Db, propertyIds: string[]): Promise<Map<string, string>> {
  if (propertyIds.length === 0) return new Map();
  const rows = await db
    .select({ id: photos.id, propertyId: photos.propertyId, position: photos.position })
    .from(photos)
    .where(inArray(photos.propertyId, propertyIds))
    .orderBy(asc(photos.position), asc(photos.id))
    .all();
  const covers = new Map<string, string>();
  for (const r of rows) if (!covers.has(r.propertyId)) covers.set(r.propertyId, r.id);
  return covers;
}

export function updatePhotoStatement(db: D1Db, id: string, change: { position?: number; caption?: string | null }) {
  return db.update(photos).set(change).where(eq(photos.id, id));
}

export function deletePhotoStatement(db: D1Db, id: string) {
  return db.delete(photos).where(eq(photos.id, id));
}
