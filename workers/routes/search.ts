import { createRoute } from "@hono/zod-openapi";
import { errors, jsonResponse, optionalBearer } from "../../schema/api/common";
import { SearchQuery, SearchResult, SuggestQuery, Suggestions } from "../../schema/api/search";
import { router } from "../http/router";
import { optionalUser } from "../http/auth";
import * as search from "../services/search";

const tags = ["search"];

export const searchRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Search listings: text with typos, geo, filters, dates, facets",
      description:
        "Properties whose active rooms match every filter, each with those rooms. A signed-in tenant's search is recorded (its filters, at most once per 10 minutes) for their recommendations. Facet counts cover the whole result of the other filters (a facet ignores its own filter). The availability behind `from`/`to` is a projection of the room calendars, seconds behind them: a room shown free may still answer 409 when booked.",
      security: optionalBearer,
      request: { query: SearchQuery },
      responses: { 200: jsonResponse(SearchResult, "A page of matching properties"), ...errors(401, 422) },
    }),
    async (c) => {
      const user = await optionalUser(c); // a token, if sent, must be valid
      const query = c.req.valid("query");
      const result = await search.search(c.var.deps, query);
      // A tenant's searches feed their recommendations; recorded after the answer, off its path.
      if (user?.role === "tenant") c.executionCtx.waitUntil(search.recordSearch(c.var.deps, user.id, query));
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/suggest",
      tags,
      summary: "Complete what is typed: cities, amenities, property titles",
      description: "Up to 8 completions, typo-tolerant like `q`, in one D1 query.",
      security: optionalBearer,
      request: { query: SuggestQuery },
      responses: { 200: jsonResponse(Suggestions, "Completions"), ...errors(401, 422) },
    }),
    async (c) => {
      await optionalUser(c);
      return c.json(await search.suggestions(c.var.deps, c.req.valid("query").q), 200);
    },
  );
