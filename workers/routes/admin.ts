import { createRoute } from "@hono/zod-openapi";
import {
  AuditPage,
  AuditQuery,
  HiddenPropertyView,
  MetricsQuery,
  MetricsView,
  ModerationReason,
  OptionalReason,
  SuspensionView,
} from "../../schema/api/admin";
import { bearer, errors, idParam, jsonBody, jsonResponse, optionalJsonBody } from "../../schema/api/common";
import { requireAdmin } from "../http/auth";
import { router } from "../http/router";
import * as admin from "../services/admin";
import { platformMetrics } from "../services/admin-metrics";

const tags = ["admin"];
const WHO =
  " Admins only: anyone else (signed in or not, any method) gets 404. Every action is written to the audit log first.";

/** Moderation, the audit log and platform figures: /v1/admin. */
export const adminRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/suspend",
      operationId: "suspendUser",
      tags,
      summary: "Suspend a user: tokens stop working at once, listings leave search, open holds are released",
      description: `Their next request with any token is 403 \`account_suspended\`; sessions are revoked; their properties leave search and refuse bookings; holds they placed or that sit on their rooms are released.${WHO}`,
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { params: idParam("usr"), ...jsonBody(ModerationReason) },
      responses: {
        200: jsonResponse(SuspensionView, "Suspended (again: the first suspension's time stands)"),
        ...errors(400, 404, 409, 415, 422, 503),
      },
    }),
    async (c) =>
      c.json(await admin.suspendUser(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json").reason), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/unsuspend",
      operationId: "unsuspendUser",
      tags,
      summary: "Lift a suspension: the user may sign in again and their listings return",
      description: `Sessions revoked by the suspension stay revoked: the user signs in again.${WHO}`,
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { params: idParam("usr"), ...optionalJsonBody(OptionalReason) },
      responses: { 200: jsonResponse(SuspensionView, "Active again"), ...errors(400, 404, 415, 422, 503) },
    }),
    async (c) =>
      c.json(
        await admin.unsuspendUser(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")?.reason),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/properties/{id}/hide",
      operationId: "hideProperty",
      tags,
      summary: "Hide a property from search and public views; its rooms refuse bookings",
      description: `Its owner still sees it, with the reason. Bookings already made stand.${WHO}`,
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { params: idParam("prop"), ...jsonBody(ModerationReason) },
      responses: { 200: jsonResponse(HiddenPropertyView, "Hidden"), ...errors(400, 404, 415, 422, 503) },
    }),
    async (c) =>
      c.json(
        await admin.hideProperty(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json").reason),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/properties/{id}/unhide",
      operationId: "unhideProperty",
      tags,
      summary: "Show a hidden property again",
      description: WHO.trim(),
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { params: idParam("prop"), ...optionalJsonBody(OptionalReason) },
      responses: { 200: jsonResponse(HiddenPropertyView, "Listed again"), ...errors(400, 404, 415, 422, 503) },
    }),
    async (c) =>
      c.json(
        await admin.unhideProperty(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")?.reason),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/reviews/{id}",
      operationId: "deleteReview",
      tags,
      summary: "Delete a review (the property's rating follows at once)",
      description: `The body \`{reason}\` is optional.${WHO}`,
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { params: idParam("rev"), ...optionalJsonBody(OptionalReason) },
      responses: { 204: { description: "Deleted" }, ...errors(400, 404, 415, 422, 503) },
    }),
    async (c) => {
      await admin.deleteReview(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")?.reason);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/audit",
      operationId: "listAudit",
      tags,
      summary: "The audit log of admin actions, newest first (append-only)",
      description: WHO.trim(),
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { query: AuditQuery },
      responses: { 200: jsonResponse(AuditPage, "A page of entries"), ...errors(404, 422, 503) },
    }),
    async (c) => c.json(await admin.listAudit(c.var.deps, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      operationId: "platformMetrics",
      tags,
      summary: "Bookings, booking value, rent billed and collected, occupancy and new users for a window",
      description: `\`from\`/\`to\` are UTC days, half-open, at most 366 days apart. Rent comes from the ledger, so it reconciles with it.${WHO}`,
      security: bearer,
      middleware: [requireAdmin] as const,
      request: { query: MetricsQuery },
      responses: { 200: jsonResponse(MetricsView, "The figures"), ...errors(404, 422, 503) },
    }),
    async (c) => c.json(await platformMetrics(c.var.deps, c.req.valid("query")), 200),
  );
