import { createRoute } from "@hono/zod-openapi";
import { Booking, BookingCreated, BookingPayment, CreateBooking } from "../../schema/api/bookings";
import { bearer, errors, idParam, jsonBody, jsonResponse, PageQuery, pageOf } from "../../schema/api/common";
import { requireAuth } from "../http/auth";
import { requestKey } from "../http/idempotency";
import { router } from "../http/router";
import * as bookingService from "../services/bookings";

/** `{id}` is a booking id, checked by its shape before any query (422 otherwise). */
const Params = idParam("bkg");
const tags = ["bookings"];

export const bookings = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      security: bearer,
      summary: "Hold a room for a stay (Idempotency-Key required)",
      description:
        "One call to the room's calendar. The PaymentIntent is opened right after, off the request path: " +
        '`payment` carries its client secret when it is already there and `{status: "preparing"}` otherwise; ' +
        "then `GET /v1/bookings/{id}/payment` gives it (opening it on demand).",
      middleware: [requireAuth("tenant"), requestKey()] as const,
      request: { ...jsonBody(CreateBooking) },
      responses: {
        201: jsonResponse(BookingCreated, "Held; pay before holdExpiresAt"),
        ...errors(400, 401, 403, 404, 409, 422, 428, 429),
      },
    }),
    async (c) => {
      const { view, replayed } = await bookingService.createBooking(
        c.var.deps,
        c.var.user,
        c.req.valid("json"),
        c.var.requestKey,
      );
      c.set("replayed", replayed);
      return c.json(view, 201);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/payment",
      tags,
      security: bearer,
      summary: "The booking's payment: the PaymentIntent's client secret once it exists",
      description:
        "Opens the PaymentIntent on demand when asked before the outbox did. `status`: `preparing` (no PaymentIntent yet), " +
        "`requires_payment` (pay with `clientSecret`), `paid`, `closed` (the hold ended).",
      middleware: [requireAuth("tenant")] as const,
      request: { params: Params },
      responses: { 200: jsonResponse(BookingPayment, "The payment"), ...errors(401, 403, 404, 502) },
    }),
    async (c) => c.json(await bookingService.bookingPayment(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      security: bearer,
      summary: "My bookings (tenant) or bookings of my rooms (landlord), newest first",
      middleware: [requireAuth()] as const,
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Booking), "A page of bookings"), ...errors(401, 422) },
    }),
    async (c) => c.json(await bookingService.listBookings(c.var.deps, c.var.user, c.req.valid("query")), 200),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      security: bearer,
      summary: "A booking (its tenant or its landlord)",
      middleware: [requireAuth()] as const,
      request: { params: Params },
      responses: { 200: jsonResponse(Booking, "The booking"), ...errors(401, 404) },
    }),
    async (c) => c.json(await bookingService.getBooking(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/cancel",
      tags,
      security: bearer,
      summary: "Cancel; refunds follow the room's cancellation policy",
      description:
        "A monthly tenancy whose start date has come answers 409 `lease_started`: it ends by notice on its lease.",
      middleware: [requireAuth()] as const,
      request: { params: Params },
      responses: { 200: jsonResponse(Booking, "Cancelled (or already ended)"), ...errors(401, 404, 409, 502) },
    }),
    async (c) => c.json(await bookingService.cancelBooking(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  );
