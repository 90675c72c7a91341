import type { z } from "@hono/zod-openapi";
import type { SearchHit, SearchQuery, SearchResult } from "../../schema/api/search";
import { recordInteraction } from "../data/interactions";
import { runSearch, suggest, type SearchRow, type SearchQuery as DataQuery } from "../data/search";
import { decodeKeyCursor, encodeKeyCursor } from "../domain/cursor";
import { radiusBox, viewportBox } from "../domain/geo";
import { highlight, matcher, queryWords } from "../domain/search-text";
import type { Deps } from "../deps";
import { log } from "../log";

const SUGGESTIONS = 8;

/**
 * Searches the listings read model: text with typos and prefixes, geo, filters, dates, facets,
 * sorted and paged by a keyset cursor. The availability it filters on is a projection of the
 * room calendars, so a room shown free may still refuse a booking (the calendar decides).
 */
export async function search(deps: Deps, query: SearchQuery): Promise<z.infer<typeof SearchResult>> {
  const q = toDataQuery(query);

  const { rows, total, facets } = await runSearch(deps.db, q);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toHit(row, q.words)),
    facets,
    total,
    nextCursor:
      rows.length > q.limit && last ? encodeKeyCursor({ sort: q.sort, key: last.key, id: last.propertyId }) : null,
  };
}

/**
 * What a tenant searched, for recommendations: the filters that say what they want (not the sort
 * or the page), once per ten minutes for the same search. Never fails the search it follows.
 */
export async function recordSearch(deps: Deps, tenantId: string, query: SearchQuery): Promise<void> {
  const { sort: _sort, limit: _limit, cursor: _cursor, ...wanted } = query;
  const filters = Object.fromEntries(
    Object.entries(wanted).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  );
  if (Object.keys(filters).length === 0) return;
  await recordInteraction(deps.db, tenantId, "search", JSON.stringify(filters)).catch((err: unknown) =>
    log("warn", "search not recorded", { err: String(err) }),
  );
}

/** Up to eight completions of what is typed: cities, amenities, property titles. */
export async function suggestions(deps: Deps, q: string) {
  const typed = queryWords(q);
  if (typed.length === 0) return { items: [] };
  return { items: await suggest(deps.db, typed, SUGGESTIONS) };
}

function toDataQuery(query: SearchQuery): DataQuery {
  const centre = query.lat !== undefined && query.lng !== undefined ? { lat: query.lat, lng: query.lng } : null;
  const boxes = [
    ...(centre && query.radiusKm !== undefined ? [radiusBox(centre, query.radiusKm)] : []),
    ...(query.bbox ? [viewportBox(query.bbox.minLng, query.bbox.minLat, query.bbox.maxLng, query.bbox.maxLat)] : []),
  ];
  const after = query.cursor ? decodeKeyCursor(query.cursor) : null;
  return {
    words: query.q ? queryWords(query.q) : [],
    centre,
    radiusKm: query.radiusKm ?? null,
    boxes,
    city: query.city ?? null,
    country: query.country?.toUpperCase() ?? null,
    types: query.type,
    rentalMode: query.rentalMode ?? null,
    currency: query.currency ?? null,
    minPrice: query.minPrice ?? null,
    maxPrice: query.maxPrice ?? null,
    amenities: query.amenities,
    units: query.units ?? (query.from ? 1 : null),
    dates: query.from && query.to ? { from: query.from, to: query.to } : null,
    sort: query.sort,
    limit: query.limit,
    after: after ? { key: after.key, id: after.id } : null,
  };
}

function toHit(row: SearchRow, typed: string[]): z.infer<typeof SearchHit> {
  const isHit = matcher(typed);
  const titleMark = typed.length ? highlight(row.title, isHit) : undefined;
  const descriptionMark = typed.length ? highlight(row.description, isHit) : undefined;
  return {
    property: {
      id: row.propertyId,
      title: row.title,
      type: row.type,
      city: row.city,
      country: row.country,
      location: { lat: row.lat, lng: row.lng },
      amenities: row.amenities,
      ...(row.photoUrl ? { photoUrl: row.photoUrl } : {}),
    },
    rooms: row.rooms,
    score: row.score,
    ...(row.dist !== null ? { distanceKm: Math.round(row.dist * 1000) / 1000 } : {}),
    highlight: {
      ...(titleMark ? { title: titleMark } : {}),
      ...(descriptionMark ? { description: descriptionMark } : {}),
    },
  };
}
