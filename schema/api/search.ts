import { z } from "@hono/zod-openapi";
import { decodeKeyCursor, PAGE_DEFAULT, PAGE_MAX } from "../../workers/domain/cursor";
import { MAX_SEARCH_NIGHTS } from "../../workers/domain/dates";
import { PropertyType } from "./catalog";
import { Currency, Day, MoneyView, Text } from "./common";

const SORTS = ["relevance", "price_asc", "price_desc", "distance", "newest"] as const;

/** A query parameter that may be given once or repeated (`type=studio&type=house`), at most 10 times. */
const repeatable = <T extends z.ZodType<string>>(item: T) =>
  z
    .union([item, z.array(item).max(10)])
    .optional()
    .transform((v) => [...new Set(v === undefined ? [] : Array.isArray(v) ? v : [v])]);

const Latitude = z.coerce.number().min(-90).max(90);
const Longitude = z.coerce.number().min(-180).max(180);
const Amount = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `minLng,minLat,maxLng,maxLat`; a west edge east of the east edge crosses the antimeridian. */
const Bbox = z
  .string()
  .max(100)
  .transform((raw, ctx) => {
    const parts = raw.split(",").map((p) => (p.trim() === "" ? NaN : Number(p)));
    const [minLng, minLat, maxLng, maxLat] = parts;
    const ok =
      parts.length === 4 &&
      parts.every(Number.isFinite) &&
      [minLng!, maxLng!].every((v) => v >= -180 && v <= 180) &&
      [minLat!, maxLat!].every((v) => v >= -90 && v <= 90);
    if (!ok) {
      ctx.addIssue({ code: "custom", message: "must be minLng,minLat,maxLng,maxLat in degrees" });
      return z.NEVER;
    }
    if (minLat! > maxLat!) {
      ctx.addIssue({ code: "custom", message: "minLat must not be above maxLat" });
      return z.NEVER;
    }
    return { minLng: minLng!, minLat: minLat!, maxLng: maxLng!, maxLat: maxLat! };
  })
  .openapi({ type: "string", example: "-9.2,38.69,-9.09,38.76" });

/**
 * `GET /v1/search`. Any mix of text, geo, filters and dates; every cross-field rule answers 422
 * naming the field.
 */
export const SearchQuery = z
  .object({
    q: Text({ max: 200 }).optional().openapi({
      description: "Free text; one typo per word of 5+ letters is forgiven; the last word also matches as a prefix",
      example: "balcny lisb",
    }),
    lat: Latitude.optional().openapi({ example: 38.7223 }),
    lng: Longitude.optional().openapi({ example: -9.1393 }),
    radiusKm: z.coerce.number().gt(0).max(20_000).optional().openapi({ example: 5 }),
    bbox: Bbox.optional(),
    city: Text({ min: 1, max: 100 }).optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code")
      .optional(),
    type: repeatable(PropertyType).openapi({ description: "Repeatable: any of these types" }),
    rentalMode: z.enum(["monthly", "nightly"]).optional(),
    minPrice: Amount.optional().openapi({ description: "Minor units, in `currency`" }),
    maxPrice: Amount.optional().openapi({ description: "Minor units, in `currency`" }),
    currency: Currency.optional(),
    amenities: repeatable(Text({ min: 1, max: 50 })).openapi({ description: "Repeatable: all must be present" }),
    units: z.coerce.number().int().min(1).max(100).optional(),
    from: Day.optional().openapi({ example: "2027-03-01" }),
    to: Day.optional().openapi({ example: "2027-03-08" }),
    sort: z.enum(SORTS).default("relevance"),
    limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT),
    cursor: z.string().max(300).optional().openapi({ description: "The `nextCursor` of the previous page" }),
  })
  .superRefine((q, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if ((q.lat === undefined) !== (q.lng === undefined))
      fail(q.lat === undefined ? "lat" : "lng", "lat and lng go together");
    if (q.radiusKm !== undefined && q.lat === undefined) fail("radiusKm", "needs a centre: lat and lng");
    if (q.sort === "distance" && q.lat === undefined) fail("sort", "distance needs a centre: lat and lng");
    if ((q.minPrice !== undefined || q.maxPrice !== undefined) && q.currency === undefined)
      fail("currency", "a price filter needs its currency");
    if (q.minPrice !== undefined && q.maxPrice !== undefined && q.minPrice > q.maxPrice)
      fail("minPrice", "must not be above maxPrice");
    if ((q.from === undefined) !== (q.to === undefined))
      fail(q.from === undefined ? "from" : "to", "from and to go together");
    if (q.from !== undefined && q.to !== undefined) {
      if (q.to <= q.from) fail("to", "must be after from");
      else if ((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 > MAX_SEARCH_NIGHTS)
        fail("to", `a stay searched is at most ${MAX_SEARCH_NIGHTS} nights`);
    }
    if (q.cursor !== undefined) {
      const c = decodeKeyCursor(q.cursor);
      if (!c || c.sort !== q.sort)
        fail("cursor", "invalid cursor: use the nextCursor of a previous page of this search");
    }
  });
export type SearchQuery = z.infer<typeof SearchQuery>;

const RoomHit = z.object({
  id: z.string(),
  name: z.string(),
  rentalMode: z.string(),
  price: MoneyView,
  capacity: z.number().int(),
});

export const SearchHit = z
  .object({
    property: z.object({
      id: z.string(),
      title: z.string(),
      type: z.string(),
      city: z.string(),
      country: z.string(),
      location: z.object({ lat: z.number(), lng: z.number() }),
      amenities: z.array(z.string()),
      photoUrl: z.string().optional(),
    }),
    rooms: z.array(RoomHit),
    score: z.number(),
    distanceKm: z.number().optional(),
    highlight: z.object({
      title: z.string().optional().openapi({ description: "HTML-escaped, matches in <mark>" }),
      description: z.string().optional(),
    }),
  })
  .openapi("SearchHit");

const Counts = z.record(z.string(), z.number().int());

export const SearchResult = z
  .object({
    items: z.array(SearchHit),
    facets: z.object({
      type: Counts,
      amenities: Counts,
      city: Counts,
      rentalMode: Counts,
      price: z.array(z.object({ min: z.number().int(), max: z.number().int(), count: z.number().int() })).openapi({
        description: "Only with `currency`: buckets of 100.00 (monthly) or 25.00 (nightly) in minor units",
      }),
    }),
    total: z.number().int(),
    nextCursor: z.string().nullable(),
  })
  .openapi("SearchResult");

export const SuggestQuery = z.object({
  q: Text({ min: 1, max: 200 }).openapi({ example: "lisb" }),
});

export const Suggestions = z
  .object({
    items: z.array(z.object({ text: z.string(), kind: z.enum(["city", "amenity", "property"]) })),
  })
  .openapi("Suggestions");
