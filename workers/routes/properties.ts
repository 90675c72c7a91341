import { createRoute } from "@hono/zod-openapi";
import { CreateProperty, CreateRoom, Property, PropertyQuery, Room, UpdateProperty } from "../../schema/api/catalog";
import {
  bearer,
  errors,
  idParam,
  jsonBody,
  jsonResponse,
  optionalBearer,
  PageQuery,
  pageOf,
} from "../../schema/api/common";
import { optionalUser, requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as catalog from "../services/catalog";
import { recordView } from "../services/favourites";

/** `{id}` is a property id, checked by its shape before any query (422 otherwise). */
const Params = idParam("prop");
const tags = ["catalog"];

export const properties = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "List a new property",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: jsonBody(CreateProperty),
      responses: { 201: jsonResponse(Property, "Created"), ...errors(400, 401, 403, 413, 422) },
    }),
    async (c) => c.json(await catalog.createProperty(c.var.deps, c.var.user, c.req.valid("json")), 201),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Browse active properties (or, with mine=true, a landlord's own)",
      security: optionalBearer,
      request: { query: PageQuery.extend(PropertyQuery.shape) },
      responses: { 200: jsonResponse(pageOf(Property), "A page of properties"), ...errors(401, 403, 422) },
    }),
    async (c) => c.json(await catalog.listProperties(c.var.deps, await optionalUser(c), c.req.valid("query")), 200),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read a property",
      security: optionalBearer,
      request: { params: Params },
      responses: { 200: jsonResponse(Property, "The property"), ...errors(401, 404) },
    }),
    async (c) => {
      const viewer = await optionalUser(c);
      const property = await catalog.getProperty(c.var.deps, viewer, c.req.valid("param").id);
      // A tenant's views feed their recommendations; recorded after the answer, off its path.
      if (viewer?.role === "tenant") c.executionCtx.waitUntil(recordView(c.var.deps, viewer.id, property.id));
      return c.json(property, 200);
    },
  )

  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Update a property you own",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params, ...jsonBody(UpdateProperty) },
      responses: { 200: jsonResponse(Property, "Updated"), ...errors(400, 401, 403, 404, 422) },
    }),
    async (c) =>
      c.json(await catalog.updateProperty(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")), 200),
  )

  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Archive a property you own (never deleted)",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params },
      responses: { 204: { description: "Archived" }, ...errors(401, 403, 404) },
    }),
    async (c) => {
      await catalog.archiveProperty(c.var.deps, c.var.user, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/rooms",
      tags,
      summary: "Add a room to a property you own",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params, ...jsonBody(CreateRoom) },
      responses: { 201: jsonResponse(Room, "Created"), ...errors(400, 401, 403, 404, 409, 422) },
    }),
    async (c) =>
      c.json(await catalog.createRoom(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")), 201),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/rooms",
      tags,
      summary: "Rooms of a property",
      security: optionalBearer,
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Room), "A page of rooms"), ...errors(401, 404, 422) },
    }),
    async (c) =>
      c.json(
        await catalog.listRooms(c.var.deps, await optionalUser(c), c.req.valid("param").id, c.req.valid("query")),
        200,
      ),
  );
