import { createRoute } from "@hono/zod-openapi";
import { Capacity, SetCapacity } from "../../schema/api/bookings";
import { bearer, errors, jsonBody, jsonResponse } from "../../schema/api/common";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";

const tags = ["landlords"];

export const landlords = router()
  .openapi(createRoute({
    method: "get", path: "/me/capacity", tags, security: bearer, summary: "My contract capacity and availability",
    middleware: [requireAuth("landlord")] as const,
    responses: { 200: jsonResponse(Capacity, "Capacity"), ...errors(401, 403) },
  }), async (c) => c.json(await c.env.LANDLORD_DESK.getByName(c.var.user.id).status(), 200))

  .openapi(createRoute({
    method: "put", path: "/me/capacity", tags, security: bearer, summary: "Set how many contracts I can carry (null: no cap)",
    middleware: [requireAuth("landlord")] as const,
    request: jsonBody(SetCapacity),
    responses: { 200: jsonResponse(Capacity, "Capacity"), ...errors(401, 403, 422) },
  }), async (c) => c.json(await c.env.LANDLORD_DESK.getByName(c.var.user.id).setCapacity(c.req.valid("json").totalCapacity), 200));
