import { findProperty, findRoom } from "../data/catalog";
import { insertReview, propertyRating, propertyReviews, reviewsOfBooking, type ReviewRow } from "../data/reviews";
import { usersByIds } from "../data/users";
import { toPage } from "../domain/cursor";
import { addDays, todayIn } from "../domain/dates";
import { newId } from "../domain/ids";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { visibleBooking } from "./bookings";
import { isListed } from "../domain/listing";

/** How long after a stay ends its parties may review it; both reviews show when both are in, or then. */
export const REVIEW_WINDOW_DAYS = 14;
/** A monthly tenancy may be reviewed once it has run this long (or ended). */
export const MONTHLY_REVIEW_AFTER_DAYS = 30;

/**
 * The day a booking's parties may first review it: the end of a nightly stay; for a monthly one,
 * 30 days in or its end, whichever is first.
 */
export function reviewOpensOn(b: { startDate: string; endDate: string }, rentalMode: "monthly" | "nightly"): string {
  if (rentalMode === "nightly") return b.endDate;
  const month = addDays(b.startDate, MONTHLY_REVIEW_AFTER_DAYS);
  return month < b.endDate ? month : b.endDate;
}

/**
 * One review by one party of a confirmed booking once the stay is over (or a tenancy has run 30
 * days), within 14 days of that. Double-blind: the review is hidden until the other party's is in
 * (both are published in the same transaction) or the window closes. A second review is 409.
 */
export async function createReview(
  deps: Deps,
  author: AuthUser,
  bookingId: string,
  input: { rating: number; comment: string },
) {
  const booking = await visibleBooking(deps.db, author, bookingId, deps.env);
  if (booking.status !== "confirmed")
    throw new AppError("review_not_open", "Only a stay that took place can be reviewed.");
  const found = await findRoom(deps.db, booking.roomId);
  const opens = reviewOpensOn(booking, found?.room.rentalMode ?? "nightly");
  const today = todayIn(found?.property.timezone ?? "UTC");
  if (today < opens) throw new AppError("review_not_open", `Reviews open on ${opens}, when the stay is over.`);
  const windowEndsAt = `${addDays(opens, REVIEW_WINDOW_DAYS)}T00:00:00.000Z`;
  const now = new Date().toISOString();
  if (now >= windowEndsAt) throw new AppError("review_not_open", "The review window for this stay has closed.");
  const byTenant = booking.tenantId === author.id;
  const row: ReviewRow = {
    id: newId("rev"),
    bookingId,
    propertyId: booking.propertyId,
    authorId: author.id,
    subjectId: byTenant ? booking.landlordId : booking.tenantId,
    authorRole: byTenant ? "tenant" : "landlord",
    rating: input.rating,
    comment: input.comment,
    publishedAt: null,
    windowEndsAt,
    removedAt: null,
    createdAt: now,
  };
  if (!(await insertReview(deps.db, row, now)))
    throw new AppError("review_exists", "You have already reviewed this stay.");
  const mine = (await reviewsOfBooking(deps.db, bookingId)).find((r) => r.id === row.id)!;
  return view(mine, now);
}

/** A booking's reviews for one of its parties: their own always, the other's once visible. */
export async function bookingReviews(deps: Deps, viewer: AuthUser, bookingId: string) {
  await visibleBooking(deps.db, viewer, bookingId, deps.env);
  const now = new Date().toISOString();
  const rows = await reviewsOfBooking(deps.db, bookingId);
  return { items: rows.filter((r) => r.authorId === viewer.id || isVisible(r, now)).map((r) => view(r, now)) };
}

/** What tenants said of a property (visible reviews only), newest first, with the average and count. */
export async function listPropertyReviews(deps: Deps, propertyId: string, q: { limit: number; cursor: string | null }) {
  const property = await findProperty(deps.db, propertyId);
  if (!property || !isListed(property)) throw new AppError("not_found", "No such property.");
  const now = new Date().toISOString();
  const [rows, rating] = await Promise.all([
    propertyReviews(deps.db, propertyId, now, q.cursor, q.limit),
    propertyRating(deps.db, propertyId, now),
  ]);
  const page = toPage(rows, q.limit);
  const authors = await usersByIds(
    deps.db,
    page.items.map((r) => r.authorId),
  );
  return {
    rating,
    items: page.items.map((r) => ({ ...view(r, now), authorName: authors.get(r.authorId)?.name ?? null })),
    nextCursor: page.nextCursor,
  };
}

function isVisible(r: ReviewRow, now: string): boolean {
  return r.publishedAt !== null || r.windowEndsAt <= now;
}

function view(r: ReviewRow, now: string) {
  return {
    id: r.id,
    bookingId: r.bookingId,
    propertyId: r.propertyId,
    authorRole: r.authorRole,
    rating: r.rating,
    comment: r.comment,
    visible: isVisible(r, now),
    visibleFrom: r.publishedAt ?? r.windowEndsAt,
    createdAt: r.createdAt,
  };
}
