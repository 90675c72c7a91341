import { createRoute } from "@hono/zod-openapi";
import { bearer, errors, idParam, jsonBody, jsonResponse } from "../../schema/api/common";
import { Capacity, LandlordProfile, SetCapacity } from "../../schema/api/landlords";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as landlordService from "../services/landlords";

const tags = ["landlords"];

export const landlords = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/profile",
      operationId: "getLandlordProfile",
      tags,
      summary: "A landlord's public profile: name, score, availability, listed rooms",
      request: { params: idParam("usr") },
      responses: { 200: jsonResponse(LandlordProfile, "The profile"), ...errors(404, 422) },
    }),
    async (c) => c.json(await landlordService.landlordProfile(c.var.deps, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/capacity",
      tags,
      security: bearer,
      summary: "My contract capacity and availability",
      middleware: [requireAuth("landlord")] as const,
      responses: { 200: jsonResponse(Capacity, "Capacity"), ...errors(401, 403) },
    }),
    async (c) => c.json(await landlordService.capacityOf(c.var.deps, c.var.user), 200),
  )

  .openapi(
    createRoute({
      method: "put",
      path: "/me/capacity",
      tags,
      security: bearer,
      summary: "Set how many contracts I can carry (null: no cap)",
      middleware: [requireAuth("landlord")] as const,
      request: jsonBody(SetCapacity),
      responses: { 200: jsonResponse(Capacity, "Capacity"), ...errors(401, 403, 422) },
    }),
    async (c) =>
      c.json(await landlordService.setCapacity(c.var.deps, c.var.user, c.req.valid("json").totalCapacity), 200),
  );
