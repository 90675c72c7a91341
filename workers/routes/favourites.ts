import { createRoute } from "@hono/zod-openapi";
import { bearer, errors, idParam, jsonResponse } from "../../schema/api/common";
import { FavouritePage, InteractionPage, TimePageQuery } from "../../schema/api/recommendations";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as favourites from "../services/favourites";

const tags = ["recommendations"];

const Params = idParam("prop");

/** A tenant's saved properties and the history their recommendations learn from: theirs to see and clear. */
export const myTaste = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/favourites/{id}",
      tags,
      summary: "Save a property (idempotent)",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { params: Params },
      responses: {
        201: { description: "Saved" },
        204: { description: "Already saved" },
        ...errors(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const created = await favourites.saveFavourite(c.var.deps, c.var.user.id, c.req.valid("param").id);
      return c.body(null, created ? 201 : 204);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/favourites/{id}",
      tags,
      summary: "Unsave a property (idempotent)",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { params: Params },
      responses: { 204: { description: "Not saved (any more)" }, ...errors(401, 403, 422) },
    }),
    async (c) => {
      await favourites.unsaveFavourite(c.var.deps, c.var.user.id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/favourites",
      tags,
      summary: "My saved properties, newest first",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { query: TimePageQuery },
      responses: { 200: jsonResponse(FavouritePage, "A page of saved properties"), ...errors(401, 403, 422) },
    }),
    async (c) => c.json(await favourites.favouritesPage(c.var.deps, c.var.user.id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/interactions",
      tags,
      summary: "What my recommendations learn from: my searches, views, saves and bookings, newest first",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { query: TimePageQuery },
      responses: { 200: jsonResponse(InteractionPage, "A page of interactions"), ...errors(401, 403, 422) },
    }),
    async (c) => c.json(await favourites.interactionsPage(c.var.deps, c.var.user.id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/interactions",
      tags,
      summary: "Forget my history (saved properties stay saved)",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      responses: { 204: { description: "Forgotten" }, ...errors(401, 403) },
    }),
    async (c) => {
      await favourites.forgetInteractions(c.var.deps, c.var.user.id);
      return c.body(null, 204);
    },
  );
