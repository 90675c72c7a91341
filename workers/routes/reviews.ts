import { createRoute } from "@hono/zod-openapi";
import { bearer, errorResponse, errors, idParam, jsonBody, jsonResponse, PageQuery } from "../../schema/api/common";
import { BookingReviews, CreateReview, PropertyReviewPage, Review } from "../../schema/api/reviews";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as reviews from "../services/reviews";

const tags = ["reviews"];
const Booking = idParam("bkg");

/** Reviewing a stay: /v1/bookings/{id}/reviews. */
export const bookingReviewRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/reviews",
      operationId: "reviewBooking",
      tags,
      summary: "Review the other party of a stay (once, after it)",
      description:
        "Each party of a confirmed booking reviews the other once: from the end of a nightly stay, or 30 days into a monthly tenancy (or its end), for 14 days. Double-blind: a review shows once both are in, or when the window closes. A second review is 409 `review_exists`; before or after the window, 409 `review_not_open`.",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: Booking, ...jsonBody(CreateReview) },
      responses: {
        201: jsonResponse(Review, "Written (hidden until both are in or the window closes)"),
        ...errors(400, 401, 404, 415, 422),
        ...errorResponse(409, "`review_exists`, `review_not_open`"),
      },
    }),
    async (c) =>
      c.json(await reviews.createReview(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/reviews",
      operationId: "listBookingReviews",
      tags,
      summary: "A stay's reviews: mine, and the other party's once visible",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: Booking },
      responses: { 200: jsonResponse(BookingReviews, "The reviews"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await reviews.bookingReviews(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  );

/** What tenants said of a property: /v1/properties/{id}/reviews (public). */
export const propertyReviewRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{id}/reviews",
    operationId: "listPropertyReviews",
    tags,
    summary: "Visible reviews of a property by its tenants, newest first, with the average",
    request: { params: idParam("prop"), query: PageQuery },
    responses: { 200: jsonResponse(PropertyReviewPage, "A page of reviews"), ...errors(404, 422) },
  }),
  async (c) =>
    c.json(await reviews.listPropertyReviews(c.var.deps, c.req.valid("param").id, c.req.valid("query")), 200),
);
