import { createRoute } from "@hono/zod-openapi";
import { Availability, AvailabilityQuery } from "../../schema/api/bookings";
import { Room, RoomConflict, UpdateRoom } from "../../schema/api/catalog";
import {
  bearer,
  errorResponse,
  errors,
  idParam,
  jsonBody,
  jsonResponse,
  optionalBearer,
} from "../../schema/api/common";
import { optionalUser, requireAuth } from "../http/auth";
import { edgeCached } from "../http/edge-cache";
import { router } from "../http/router";
import * as catalog from "../services/catalog";

/** `{id}` is a room id, checked by its shape before any query (422 otherwise). */
const Params = idParam("room");
const tags = ["catalog"];

export const rooms = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read a room",
      security: optionalBearer,
      request: { params: Params },
      responses: { 200: jsonResponse(Room, "The room"), ...errors(401, 404) },
    }),
    async (c) => c.json(await catalog.getRoom(c.var.deps, await optionalUser(c), c.req.valid("param").id), 200),
  )

  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Update a room you own",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params, ...jsonBody(UpdateRoom) },
      responses: {
        200: jsonResponse(Room, "Updated"),
        ...errors(400, 401, 403, 404, 422),
        ...errorResponse(
          409,
          "`capacity_conflict`: the new capacity is below the units already booked on some day (`detail` names them). " +
            "`rental_mode_locked`: a new `rentalMode` while the room has live bookings or a lease that has not ended (`liveBookings`, `liveLeases`)",
          RoomConflict,
        ),
      },
    }),
    async (c) =>
      c.json(await catalog.updateRoom(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/availability",
      tags,
      summary: "Free units per day over [from, to)",
      security: optionalBearer,
      description:
        "Without a token the answer is cached at the edge for 5 seconds (`cache-control`, `x-cache`); cache misses are rate limited per client (429).",
      middleware: [edgeCached(5, (env) => env.AVAILABILITY_LIMITER)] as const,
      request: { params: Params, query: AvailabilityQuery },
      responses: { 200: jsonResponse(Availability, "Per-day availability"), ...errors(404, 422, 429) },
    }),
    async (c) =>
      c.json(
        await catalog.roomAvailability(
          c.var.deps,
          await optionalUser(c),
          c.req.valid("param").id,
          c.req.valid("query"),
        ),
        200,
      ),
  );
