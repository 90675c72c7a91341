import { createRoute } from "@hono/zod-openapi";
import { bearer, errorResponse, errors, idParam, jsonBody, jsonResponse } from "../../schema/api/common";
import {
  BookViewing,
  SlotsQuery,
  Viewing,
  ViewingHours,
  ViewingListQuery,
  ViewingPage,
  ViewingParams,
  ViewingSlots,
} from "../../schema/api/viewings";
import { requireAuth } from "../http/auth";
import { idempotent } from "../http/idempotency";
import { router } from "../http/router";
import * as viewings from "../services/viewings";

const tags = ["viewings"];
const Room = idParam("room");

/** A room's viewing hours and slots, and booking one: under /v1/rooms. */
export const roomViewings = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/viewing-hours",
      operationId: "setViewingHours",
      tags,
      summary: "Set when the room can be viewed (weekly windows in the property's timezone)",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: Room, ...jsonBody(ViewingHours) },
      responses: { 200: jsonResponse(ViewingHours, "The hours as stored"), ...errors(400, 401, 403, 404, 415, 422) },
    }),
    async (c) =>
      c.json(await viewings.setViewingHours(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/viewing-hours",
      operationId: "getViewingHours",
      tags,
      summary: "When the room can be viewed",
      request: { params: Room },
      responses: { 200: jsonResponse(ViewingHours, "The room's viewing hours"), ...errors(404, 422) },
    }),
    async (c) => c.json(await viewings.viewingHours(c.var.deps, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/viewing-slots",
      operationId: "listViewingSlots",
      tags,
      summary: "Free viewing slots between two dates (UTC instants; at most 31 days)",
      description:
        "Slots inside the viewing windows, read as wall-clock time where the property is (DST-correct: a local time the clock skips is no slot), at least `minNoticeHours` ahead, within `horizonDays`, clear of booked viewings by `bufferMinutes`.",
      request: { params: Room, query: SlotsQuery },
      responses: { 200: jsonResponse(ViewingSlots, "Free slots, earliest first"), ...errors(404, 422) },
    }),
    async (c) => c.json(await viewings.viewingSlots(c.var.deps, c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/viewings",
      operationId: "bookViewing",
      tags,
      summary: "Book a viewing slot",
      description:
        "Exactly one of any number of simultaneous requests for one slot gets it; the others answer 409 `slot_taken`. A tenant holds at most 2 future viewings per room (409 `too_many_viewings`). A start that is not a free slot's start answers 422.",
      security: bearer,
      middleware: [requireAuth("tenant"), idempotent("vwr")] as const,
      request: { params: Room, ...jsonBody(BookViewing) },
      responses: {
        201: jsonResponse(Viewing, "Booked"),
        ...errors(400, 401, 403, 404, 415, 422, 428),
        ...errorResponse(409, "`slot_taken`, `too_many_viewings`, or `conflict` (the room takes no viewings)"),
      },
    }),
    async (c) =>
      c.json(
        await viewings.bookViewing(
          c.var.deps,
          c.var.user,
          c.req.valid("param").id,
          c.req.valid("json").start,
          c.var.resourceId,
        ),
        201,
      ),
  );

/** The caller's viewings: /v1/viewings. */
export const viewingRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listViewings",
      tags,
      summary: "My viewings (a tenant's own, a landlord's rooms'), newest booked first",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { query: ViewingListQuery },
      responses: { 200: jsonResponse(ViewingPage, "A page of viewings"), ...errors(401, 422) },
    }),
    async (c) => c.json(await viewings.viewingsPage(c.var.deps, c.var.user, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getViewing",
      tags,
      summary: "A viewing, for its tenant or the room's landlord",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: ViewingParams },
      responses: { 200: jsonResponse(Viewing, "The viewing"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await viewings.getViewing(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/cancel",
      operationId: "cancelViewing",
      tags,
      summary: "Cancel a viewing (its tenant or the room's landlord; again is fine)",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: ViewingParams },
      responses: { 200: jsonResponse(Viewing, "The viewing, cancelled"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await viewings.cancelViewing(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  );
