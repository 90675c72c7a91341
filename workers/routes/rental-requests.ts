import { createRoute } from "@hono/zod-openapi";
import { bearer, errorResponse, errors, jsonBody, jsonResponse } from "../../schema/api/common";
import {
  CreateRentalRequest,
  PoolQuery,
  RentalRequest,
  RentalRequestPage,
  RentalRequestParams,
  RentalRequestQuery,
  RequestPool,
} from "../../schema/api/rental-requests";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as requests from "../services/rental-requests";

const tags = ["requests"];

/** A tenant's rental requests: /v1/rental-requests. */
export const rentalRequestRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      operationId: "createRentalRequest",
      tags,
      summary: "Post what I need, for landlords to answer",
      description:
        "Open 14 days, or until accepted or withdrawn; at most 5 open per tenant (409 `too_many_open_requests`).",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: jsonBody(CreateRentalRequest),
      responses: {
        201: jsonResponse(RentalRequest, "Open"),
        ...errors(400, 401, 403, 415, 422),
        ...errorResponse(409, "`too_many_open_requests`"),
      },
    }),
    async (c) => c.json(await requests.createRequest(c.var.deps, c.var.user, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listMyRentalRequests",
      tags,
      summary: "My rental requests, newest first",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { query: RentalRequestQuery },
      responses: { 200: jsonResponse(RentalRequestPage, "A page of requests"), ...errors(401, 403, 422) },
    }),
    async (c) => c.json(await requests.myRequests(c.var.deps, c.var.user, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getRentalRequest",
      tags,
      summary: "A rental request: its tenant, or a landlord whose pool it is in",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: RentalRequestParams },
      responses: { 200: jsonResponse(RentalRequest, "The request"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await requests.getRequest(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/withdraw",
      operationId: "withdrawRentalRequest",
      tags,
      summary: "Withdraw my open request",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { params: RentalRequestParams },
      responses: {
        200: jsonResponse(RentalRequest, "Withdrawn (again is fine)"),
        ...errors(401, 403, 404, 422),
        ...errorResponse(409, "`conflict`: the request was accepted or expired"),
      },
    }),
    async (c) => c.json(await requests.withdrawRequest(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  );

/** The landlord's pool: /v1/landlords/me/request-pool. */
export const requestPoolRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/me/request-pool",
    operationId: "getRequestPool",
    tags,
    summary: "Open rental requests that fit my rooms, best match first",
    description:
      "Requests within their radius of one of my active rooms, in its currency and rental mode, within budget for the units, with capacity and every night free (search's availability projection). Empty, with `available: false` and the reason, while my desk is full. `matchScore` is three quarters my landlord score and a quarter the best room's fit (distance, price headroom); docs/architecture.md has the formula.",
    security: bearer,
    middleware: [requireAuth("landlord")] as const,
    request: { query: PoolQuery },
    responses: { 200: jsonResponse(RequestPool, "A page of the pool"), ...errors(401, 403, 422) },
  }),
  async (c) => c.json(await requests.requestPool(c.var.deps, c.var.user, c.req.valid("query")), 200),
);
