import { and, desc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { reviews } from "../../schema/d1";
import type { D1Db } from "./d1";

export type ReviewRow = typeof reviews.$inferSelect;

/** Visible: not removed, and both parties' reviews are in or the review window has closed. */
const visible = (now: string) =>
  and(isNull(reviews.removedAt), or(sql`${reviews.publishedAt} IS NOT NULL`, lte(reviews.windowEndsAt, now)));

/**
 * Writes a review and, in the same transaction, publishes the booking's reviews once both parties'
 * are in. False when the author already reviewed this booking.
 */
export async function insertReview(db: D1Db, row: ReviewRow, now: string): Promise<boolean> {
  const [inserted] = await db.batch([
    db.insert(reviews).values(row).onConflictDoNothing().returning({ id: reviews.id }),
    db
      .update(reviews)
      .set({ publishedAt: now })
      .where(
        and(
          eq(reviews.bookingId, row.bookingId),
          sql`${reviews.publishedAt} IS NULL`,
          sql`(SELECT count(*) FROM reviews r WHERE r.booking_id = ${row.bookingId}) = 2`,
        ),
      ),
  ]);
  return inserted.length > 0;
}

export async function reviewsOfBooking(db: D1Db, bookingId: string): Promise<ReviewRow[]> {
  return db
    .select()
    .from(reviews)
    .where(and(eq(reviews.bookingId, bookingId), isNull(reviews.removedAt)))
    .all();
}

/** Tenants' visible reviews of a property, newest first, before the cursor's id. */
export async function propertyReviews(
  db: D1Db,
  propertyId: string,
  now: string,
  beforeId: string | null,
  limit: number,
): Promise<ReviewRow[]> {
  return db
    .select()
    .from(reviews)
    .where(
      and(
        eq(reviews.propertyId, propertyId),
        eq(reviews.authorRole, "tenant"),
        visible(now),
        beforeId ? lt(reviews.id, beforeId) : undefined,
      ),
    )
    .orderBy(desc(reviews.id))
    .limit(limit + 1)
    .all();
}

export interface Rating {
  average: number | null;
  count: number;
}

function ratingOf(row: { n: number; avg: number | null } | undefined): Rating {
  return { average: row?.avg == null ? null : Math.round(row.avg * 100) / 100, count: row?.n ?? 0 };
}

/** Average and count of the visible reviews tenants wrote of a property. */
export async function propertyRating(db: D1Db, propertyId: string, now: string): Promise<Rating> {
  const row = await db
    .select({ n: sql<number>`count(*)`, avg: sql<number | null>`avg(${reviews.rating})` })
    .from(reviews)
    .where(and(eq(reviews.propertyId, propertyId), eq(reviews.authorRole, "tenant"), visible(now)))
    .get();
  return ratingOf(row);
}

/** Average and count of the visible reviews tenants wrote of each landlord. */
export async function landlordRatings(db: D1Db, landlordIds: string[], now: string): Promise<Map<string, Rating>> {
  if (landlordIds.length === 0) return new Map();
  const rows = await db
    .select({ id: reviews.subjectId, n: sql<number>`count(*)`, avg: sql<number | null>`avg(${reviews.rating})` })
    .from(reviews)
    .where(and(inArray(reviews.subjectId, landlordIds), eq(reviews.authorRole, "tenant"), visible(now)))
    .groupBy(reviews.subjectId)
    .all();
  const found = new Map(rows.map((r) => [r.id, ratingOf(r)]));
  return new Map(landlordIds.map((id) => [id, found.get(id) ?? { average: null, count: 0 }]));
}

/** A review not removed. */
export async function findReview(db: D1Db, id: string): Promise<ReviewRow | undefined> {
  return db
    .select()
    .from(reviews)
    .where(and(eq(reviews.id, id), isNull(reviews.removedAt)))
    .get();
}

/**
 * Removes a review for good: its text is blanked and it shows nowhere, while the row stays, so its
 * author cannot write it again (one review per party and stay).
 */
export async function removeReview(db: D1Db, id: string, at: string): Promise<void> {
  await db.update(reviews).set({ removedAt: at, comment: "" }).where(eq(reviews.id, id));
}
