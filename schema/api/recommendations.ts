import { z } from "@hono/zod-openapi";
import { decodeKeyCursor, PAGE_DEFAULT, PAGE_MAX } from "../../workers/domain/cursor";
import { Currency, Day, MoneyView, Text } from "./common";

const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const RecommendationQuery = z
  .object({
    limit: Limit(50, 10),
    city: Text({ min: 1, max: 100 }).optional().openapi({ description: "Any case: lisbon is Lisbon" }),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code")
      .transform((c) => c.toUpperCase())
      .optional(),
    rentalMode: z.enum(["monthly", "nightly"]).optional(),
    currency: Currency.optional(),
    from: Day.optional().openapi({ example: "2027-03-01" }),
    to: Day.optional().openapi({ example: "2027-03-08" }),
    units: z.coerce.number().int().min(1).max(100).optional(),
  })
  .superRefine((q, ctx) => {
    if ((q.from === undefined) !== (q.to === undefined))
      ctx.addIssue({
        code: "custom",
        path: [q.from === undefined ? "from" : "to"],
        message: "from and to go together",
      });
    else if (q.from !== undefined && q.to !== undefined && q.to <= q.from)
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
  });

export const SimilarQuery = z.object({ limit: Limit(50, 10) });

export const RecommendedListing = z
  .object({
    roomId: z.string(),
    propertyId: z.string(),
    title: z.string(),
    roomName: z.string(),
    city: z.string(),
    country: z.string(),
    rentalMode: z.string(),
    price: MoneyView,
    capacity: z.number().int(),
    score: z.number().openapi({ description: "Cosine similarity to the tenant's taste (0 for popular picks)" }),
    reason: z.string().openapi({ example: "similar to Sunny flat near the river you saved" }),
  })
  .openapi("RecommendedListing");

export const Recommendations = z.object({ items: z.array(RecommendedListing) }).openapi("Recommendations");

/** A cursor over items ordered by time, then id (favourites, interactions). */
const TimeCursor = z
  .string()
  .max(300)
  .optional()
  .transform((cursor, ctx) => {
    if (cursor === undefined) return null;
    const c = decodeKeyCursor(cursor);
    if (!c || c.sort !== "newest") {
      ctx.addIssue({ code: "custom", message: "invalid cursor: use the nextCursor of a previous page" });
      return z.NEVER;
    }
    return c;
  })
  .openapi({ type: "string", description: "The `nextCursor` of the previous page" });

export const TimePageQuery = z.object({ limit: Limit(PAGE_MAX, PAGE_DEFAULT), cursor: TimeCursor });

export const Favourite = z
  .object({ propertyId: z.string(), savedAt: z.string(), title: z.string(), city: z.string(), country: z.string() })
  .openapi("Favourite");

export const Interaction = z
  .object({
    id: z.string(),
    kind: z.enum(["search", "view", "favourite", "booking"]),
    propertyId: z.string().optional(),
    filters: z.record(z.string(), z.unknown()).optional().openapi({ description: "For a search: what was searched" }),
    at: z.string(),
  })
  .openapi("Interaction");

export const FavouritePage = z
  .object({ items: z.array(Favourite), nextCursor: z.string().nullable() })
  .openapi("FavouritePage");
export const InteractionPage = z
  .object({ items: z.array(Interaction), nextCursor: z.string().nullable() })
  .openapi("InteractionPage");
