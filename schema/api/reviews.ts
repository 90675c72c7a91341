import { z } from "@hono/zod-openapi";
import { Instant, pageOf, Text } from "./common";

export const CreateReview = z
  .strictObject({
    rating: z.number().int().min(1).max(5),
    comment: Text({ min: 1, max: 2000, multiline: true }),
  })
  .openapi("CreateReview", { example: { rating: 5, comment: "Bright room, quick answers, spotless." } });

export const Review = z
  .object({
    id: z.string(),
    bookingId: z.string(),
    propertyId: z.string(),
    authorRole: z.enum(["tenant", "landlord"]),
    rating: z.number().int(),
    comment: z.string(),
    visible: z
      .boolean()
      .openapi({ description: "Double-blind: false until both parties reviewed or the window closed" }),
    visibleFrom: Instant.openapi({ description: "When it shows (or showed): both reviews in, or the window's end" }),
    createdAt: Instant,
  })
  .openapi("Review");

export const BookingReviews = z.object({ items: z.array(Review) }).openapi("BookingReviews");

export const Rating = z
  .object({ average: z.number().nullable(), count: z.number().int() })
  .openapi("Rating", { description: "Of the visible reviews tenants wrote" });

export const PropertyReviewPage = pageOf(Review.extend({ authorName: z.string().nullable() }))
  .extend({ rating: Rating })
  .openapi("PropertyReviewPage");
