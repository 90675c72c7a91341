import { sql } from "drizzle-orm";
import type { BookingSnapshot } from "../../schema/events";
import { listings } from "../../schema/d1";
import type { Listing } from "../domain/listing";
import { variantRows } from "../domain/search-text";
import { batchSql, type D1Db } from "./d1";

/** D1 binds at most 100 parameters per statement: typo-index rows go in at 45 pairs a statement. */
const VARIANT_ROWS_PER_INSERT = 45;

/**
 * Writes listings with everything search reads of them, in one D1 batch (all or nothing): the
 * `listings` row, its `listing_fts` row (replaced) and the typo index's variants of its words
 * (kept: a word no listing has any more only widens a query to nothing).
 */
export async function indexListings(db: D1Db, rows: Listing[]): Promise<void> {
  if (rows.length === 0) return;
  const statements = rows.flatMap((row) => {
    const { roomId: _id, ...changes } = row;
    return [
      db.insert(listings).values(row).onConflictDoUpdate({ target: listings.roomId, set: changes }),
      // Keyed by the listing's search_rowid (set by a trigger when the listing row was first inserted): both lookups.
      sql`DELETE FROM listing_fts WHERE rowid = (SELECT search_rowid FROM listings WHERE room_id = ${row.roomId})`,
      sql`INSERT INTO listing_fts (rowid, room_id, title, body)
        SELECT search_rowid, room_id, ${row.searchTitle}, ${row.searchBody} FROM listings WHERE room_id = ${row.roomId}`,
    ];
  });
  const variants = variantRows(...rows.flatMap((r) => [r.searchTitle, r.searchBody]));
  for (let i = 0; i < variants.length; i += VARIANT_ROWS_PER_INSERT) {
    const chunk = variants.slice(i, i + VARIANT_ROWS_PER_INSERT);
    statements.push(
      sql`INSERT OR IGNORE INTO search_variants (variant, word) VALUES ${sql.join(
        chunk.map((v) => sql`(${v.variant}, ${v.word})`),
        sql`, `,
      )}`,
    );
  }
  await batchSql(db, statements);
}

/**
 * Projects a calendar event into search's availability: a held (or confirmed) booking takes its
 * units on each night of its stay, once; an ended one gives back what it took, once. Each is one
 * D1 batch. The booking's row remembers what was applied, so duplicates and any order converge:
 * an end that arrives first leaves a dead row, and the late hold then adds nothing.
 */
export async function projectAvailability(
  db: D1Db,
  bookingId: string,
  change: { live: true; booking: BookingSnapshot } | { live: false; booking?: BookingSnapshot },
): Promise<void> {
  if (change.live) {
    const b = change.booking;
    await batchSql(db, [
      sql`WITH RECURSIVE nights(day) AS (
          SELECT ${b.startDate} UNION ALL SELECT date(day, '+1 day') FROM nights WHERE date(day, '+1 day') < ${b.endDate}
        )
        INSERT INTO room_nights (room_id, day, units)
        SELECT ${b.roomId}, day, ${b.units} FROM nights
        WHERE NOT EXISTS (SELECT 1 FROM availability_bookings WHERE booking_id = ${bookingId})
        ON CONFLICT (room_id, day) DO UPDATE SET units = units + excluded.units`,
      sql`INSERT INTO availability_bookings (booking_id, room_id, start_date, end_date, units, live)
        VALUES (${bookingId}, ${b.roomId}, ${b.startDate}, ${b.endDate}, ${b.units}, 1)
        ON CONFLICT (booking_id) DO NOTHING`,
    ]);
    return;
  }
  const b = change.booking;
  await batchSql(db, [
    sql`UPDATE room_nights SET units = room_nights.units - b.units
      FROM (SELECT room_id, start_date, end_date, units FROM availability_bookings WHERE booking_id = ${bookingId} AND live = 1) AS b
      WHERE room_nights.room_id = b.room_id AND room_nights.day >= b.start_date AND room_nights.day < b.end_date`,
    sql`DELETE FROM room_nights WHERE units <= 0 AND room_id IN
      (SELECT room_id FROM availability_bookings WHERE booking_id = ${bookingId})`,
    sql`INSERT INTO availability_bookings (booking_id, room_id, start_date, end_date, units, live)
      VALUES (${bookingId}, ${b?.roomId ?? ""}, ${b?.startDate ?? ""}, ${b?.endDate ?? ""}, ${b?.units ?? 0}, 0)
      ON CONFLICT (booking_id) DO UPDATE SET live = 0`,
  ]);
}
