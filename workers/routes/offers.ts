import { createRoute } from "@hono/zod-openapi";
import { BookingCreated } from "../../schema/api/bookings";
import { bearer, errorResponse, errors, jsonBody, jsonResponse } from "../../schema/api/common";
import { CreateOffer, Offer, OfferList, OfferParams } from "../../schema/api/offers";
import { RentalRequestParams } from "../../schema/api/rental-requests";
import { requireAuth } from "../http/auth";
import { idempotent, requestKey } from "../http/idempotency";
import { router } from "../http/router";
import * as offers from "../services/offers";

const tags = ["requests"];

/** Offers on a rental request: /v1/rental-requests/{id}/offers. */
export const requestOfferRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/offers",
      operationId: "createOffer",
      tags,
      summary: "Offer one of my rooms for a rental request (Idempotency-Key required)",
      description:
        "The room must fit the request as the pool sees it, the price be within the budget in the request's currency. My desk keeps one contract for the offer until it expires (default 48 h, never past the request), is declined or withdrawn, or the tenant accepts another. One live offer per landlord per request.",
      security: bearer,
      middleware: [requireAuth("landlord"), idempotent("ofk")] as const,
      request: { params: RentalRequestParams, ...jsonBody(CreateOffer) },
      responses: {
        201: jsonResponse(Offer, "Sent"),
        ...errors(400, 401, 403, 404, 415, 422, 428),
        ...errorResponse(
          409,
          "`offer_exists` (withdraw the live one first), `request_closed`, `landlord_at_capacity`, `room_unavailable`",
        ),
      },
    }),
    async (c) =>
      c.json(await offers.createOffer(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/offers",
      operationId: "listRequestOffers",
      tags,
      summary: "Offers on a request: its tenant sees all, ranked; a landlord their own",
      description:
        "Live offers first, then by landlord score (higher first) and price (lower first). Each carries the landlord's public profile.",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: RentalRequestParams },
      responses: { 200: jsonResponse(OfferList, "The offers"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await offers.requestOffers(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  );

/** One offer: /v1/offers. */
export const offerRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getOffer",
      tags,
      summary: "An offer: its tenant or its landlord",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: OfferParams },
      responses: { 200: jsonResponse(Offer, "The offer"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await offers.getOffer(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/accept",
      operationId: "acceptOffer",
      tags,
      summary: "Accept an offer: hold the room at the offered price (Idempotency-Key required)",
      description:
        "Runs the booking saga on the offer's room and dates at its price and answers as `POST /v1/bookings`. The request is accepted and every other offer declined. Two accepts on one request make exactly one booking: the other answers 409 `request_closed`. A room taken meanwhile answers 409 `room_unavailable` and the offer lapses. Accepting the same offer again replays its booking.",
      security: bearer,
      middleware: [requireAuth("tenant"), requestKey()] as const,
      request: { params: OfferParams },
      responses: {
        201: jsonResponse(BookingCreated, "Held; pay before holdExpiresAt"),
        ...errors(401, 403, 404, 422, 428, 429),
        ...errorResponse(
          409,
          "`request_closed`, `offer_closed`, `room_unavailable`, `landlord_at_capacity`, `too_many_holds`",
        ),
      },
    }),
    async (c) => {
      const { view, replayed } = await offers.acceptOffer(c.var.deps, c.var.user, c.req.valid("param").id);
      c.set("replayed", replayed);
      return c.json(view, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/decline",
      operationId: "declineOffer",
      tags,
      summary: "Decline an offer made to me",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { params: OfferParams },
      responses: {
        200: jsonResponse(Offer, "Declined"),
        ...errors(401, 403, 404, 422),
        ...errorResponse(409, "`offer_closed`"),
      },
    }),
    async (c) => c.json(await offers.declineOffer(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/withdraw",
      operationId: "withdrawOffer",
      tags,
      summary: "Withdraw my offer",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: OfferParams },
      responses: {
        200: jsonResponse(Offer, "Withdrawn"),
        ...errors(401, 403, 404, 422),
        ...errorResponse(409, "`offer_closed`"),
      },
    }),
    async (c) => c.json(await offers.withdrawOffer(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  );
