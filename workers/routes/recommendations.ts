import { createRoute } from "@hono/zod-openapi";
import { bearer, errors, idParam, jsonResponse, optionalBearer } from "../../schema/api/common";
import { RecommendationQuery, Recommendations, SimilarQuery } from "../../schema/api/recommendations";
import { optionalUser, requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as recommendations from "../services/recommendations";

const tags = ["recommendations"];

export const recommendationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/recommendations",
      tags,
      summary: "Listings for me, from what I searched, viewed, saved and booked",
      description:
        "The nearest listings to the tenant's taste in the vector index, filtered by city (any case), country, rental mode and currency when given; rooms the tenant booked, properties they saved and rooms not free on `from`..`to` are left out. Without a history: popular listings where they last searched, or everywhere. Each item says why.",
      security: bearer,
      middleware: [requireAuth("tenant")] as const,
      request: { query: RecommendationQuery },
      responses: { 200: jsonResponse(Recommendations, "Recommended listings"), ...errors(401, 403, 422) },
    }),
    async (c) =>
      c.json({ items: await recommendations.recommend(c.var.deps, c.var.user.id, c.req.valid("query")) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/properties/{id}/similar",
      tags,
      summary: "Listings like this property's rooms",
      security: optionalBearer,
      request: { params: idParam("prop"), query: SimilarQuery },
      responses: { 200: jsonResponse(Recommendations, "Similar listings"), ...errors(401, 404, 422) },
    }),
    async (c) => {
      await optionalUser(c);
      const { id } = c.req.valid("param");
      return c.json({ items: await recommendations.similarListings(c.var.deps, id, c.req.valid("query").limit) }, 200);
    },
  );
