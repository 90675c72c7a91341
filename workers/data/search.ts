import { sql, type SQL } from "drizzle-orm";
import { EARTH_RADIUS_KM, type GeoBox, type Point } from "../domain/geo";
import { variants } from "../domain/search-text";
import { batchSql, type D1Db } from "./d1";

export type SearchSort = "relevance" | "price_asc" | "price_desc" | "distance" | "newest";

/** A search as the data layer runs it: every field already validated and folded. */
export interface SearchQuery {
  /** Folded query words; the last one also matches as a prefix. */
  words: string[];
  centre: Point | null;
  radiusKm: number | null;
  /** Every box must hold the room: a radius's bounding box, a map viewport, or both. */
  boxes: GeoBox[];
  city: string | null;
  country: string | null;
  types: string[];
  rentalMode: string | null;
  currency: string | null;
  minPrice: number | null;
  maxPrice: number | null;
  amenities: string[];
  units: number | null;
  dates: { from: string; to: string } | null;
  sort: SearchSort;
  limit: number;
  after: { key: number | string; id: string } | null;
}

/** One property of a result page, with its matching rooms. */
export interface SearchRow {
  propertyId: string;
  title: string;
  type: string;
  city: string;
  country: string;
  lat: number;
  lng: number;
  amenities: string;
  photoUrl: string | null;
  description: string;
  rooms: string;
  score: number;
  dist: number | null;
  key: number | string;
}

export interface SearchFacets {
  type: Record<string, number>;
  amenities: Record<string, number>;
  city: Record<string, number>;
  rentalMode: Record<string, number>;
  price: { min: number; max: number; count: number }[];
}

/** The facets a filter belongs to: each facet is counted with every filter but its own. */
type Facets = { k: string; n: number }[];
type Facet = "type" | "amenities" | "city" | "rentalMode" | "price";

/** Price facet buckets, in minor units: 100.00 wide for monthly rents, 25.00 for nights. */
const PRICE_BUCKET = { monthly: 10_000, nightly: 2_500 };

/**
 * Runs a search in one D1 round trip (a batch): the page, the total and the five facets. Every
 * statement narrows on an index first (the full-text index when there are words, else the geo,
 * price or city index) and only then checks the rest on the rows found.
 */
export async function runSearch(
  db: D1Db,
  q: SearchQuery,
): Promise<{ rows: SearchRow[]; total: number; facets: SearchFacets }> {
  const matched = (without?: Facet) => matchedRooms(q, without);
  const [page, total, type, amenities, city, rentalMode, price] = await batchSql<
    [SearchRow[], { n: number }[], Facets, Facets, Facets, Facets, { b: number; w: number; n: number }[]]
  >(db, [
    pageSql(q, matched()),
    sql`${matched()} SELECT count(DISTINCT property_id) AS n FROM m`,
    facetSql(matched("type"), sql`type`),
    sql`${matched("amenities")} SELECT a.value AS k, count(DISTINCT m.property_id) AS n FROM m, json_each(m.amenities) AS a GROUP BY a.value ORDER BY n DESC, k LIMIT 30`,
    facetSql(matched("city"), sql`city`),
    facetSql(matched("rentalMode"), sql`rental_mode`),
    q.currency === null
      ? sql`SELECT 0 AS b, 0 AS w, 0 AS n WHERE 0`
      : sql`${matched("price")}, p AS (
            SELECT property_id, CASE rental_mode WHEN 'nightly' THEN ${sql.raw(String(PRICE_BUCKET.nightly))} ELSE ${sql.raw(String(PRICE_BUCKET.monthly))} END AS w, price_amount FROM m
          )
          SELECT CAST(price_amount / w AS INTEGER) AS b, w, count(DISTINCT property_id) AS n FROM p GROUP BY w, b ORDER BY w, b`,
  ]);
  const counts = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));
  return {
    rows: page,
    total: total[0]?.n ?? 0,
    facets: {
      type: counts(type),
      amenities: counts(amenities),
      city: counts(city),
      rentalMode: counts(rentalMode),
      price: price.map((r) => ({ min: r.b * r.w, max: (r.b + 1) * r.w - 1, count: r.n })),
    },
  };
}

/** The page statement alone (for `EXPLAIN QUERY PLAN` in the tests). */
export function pageStatement(q: SearchQuery): SQL {
  return pageSql(q, matchedRooms(q));
}

function facetSql(matched: SQL, column: SQL): SQL {
  return sql`${matched} SELECT ${column} AS k, count(DISTINCT property_id) AS n FROM m GROUP BY k ORDER BY n DESC, k`;
}

/**
 * `WITH m AS (…)`: the active rooms that pass every filter (but the facet `without`'s own), with
 * their score and distance. With words, the full-text index finds them (each word as typed, the
 * indexed words one typo from it, and for the last word every word it begins).
 */
function matchedRooms(q: SearchQuery, without?: Facet): SQL {
  const where: SQL[] = [sql`l.active = 1`];
  const from = q.words.length ? sql`listing_fts f JOIN listings l ON l.room_id = f.room_id` : sql`listings l`;
  if (q.words.length) where.push(sql`listing_fts MATCH (${matchExpression(q.words)})`);
  for (const box of q.boxes) where.push(boxFilter(box));
  if (q.country) where.push(sql`l.country = ${q.country}`);
  if (q.city && without !== "city") where.push(sql`l.city = ${q.city} COLLATE NOCASE`);
  if (q.types.length && without !== "type")
    where.push(
      sql`l.type IN (${sql.join(
        q.types.map((t) => sql`${t}`),
        sql`, `,
      )})`,
    );
  if (q.rentalMode && without !== "rentalMode") where.push(sql`l.rental_mode = ${q.rentalMode}`);
  if (q.currency) where.push(sql`l.currency = ${q.currency}`);
  if (q.minPrice !== null && without !== "price") where.push(sql`l.price_amount >= ${q.minPrice}`);
  if (q.maxPrice !== null && without !== "price") where.push(sql`l.price_amount <= ${q.maxPrice}`);
  if (without !== "amenities")
    for (const a of q.amenities) where.push(sql`EXISTS (SELECT 1 FROM json_each(l.amenities) WHERE value = ${a})`);
  if (q.units !== null) where.push(sql`l.capacity >= ${q.units}`);
  if (q.dates)
    where.push(sql`NOT EXISTS (SELECT 1 FROM room_nights n WHERE n.room_id = l.room_id
      AND n.day >= ${q.dates.from} AND n.day < ${q.dates.to} AND n.units > l.capacity - ${q.units ?? 1})`);
  const dist = q.centre ? distanceSql(q.centre) : sql`NULL`;
  const radius = q.centre && q.radiusKm !== null ? sql` WHERE dist <= ${q.radiusKm}` : sql``;
  return sql`WITH r AS (
      SELECT l.room_id, l.property_id, l.title, l.type, l.city, l.country, l.lat, l.lng, l.amenities, l.photo_url,
        l.description, l.listed_at, l.room_name, l.rental_mode, l.price_amount, l.currency, l.capacity,
        ${scoreSql(q.words)} AS score, ${dist} AS dist
      FROM ${from} WHERE ${sql.join(where, sql` AND `)}
    ), m AS (SELECT * FROM r${radius})`;
}

/** The page: properties grouped from their matching rooms, ordered by the sort and its keyset cursor. */
function pageSql(q: SearchQuery, matched: SQL): SQL {
  const { key, desc } = sortKey(q.sort, q.words.length > 0);
  const after = q.after
    ? desc
      ? sql`WHERE (key < ${q.after.key} OR (key = ${q.after.key} AND property_id > ${q.after.id}))`
      : sql`WHERE (key > ${q.after.key} OR (key = ${q.after.key} AND property_id > ${q.after.id}))`
    : sql``;
  return sql`${matched}, g AS (
      SELECT property_id AS propertyId, property_id, title, type, city, country, lat, lng, amenities,
        photo_url AS photoUrl, description, max(score) AS score, min(dist) AS dist,
        min(price_amount) AS min_price, max(listed_at) AS listed_at,
        json_group_array(json_object('id', room_id, 'name', room_name, 'rentalMode', rental_mode,
          'price', json_object('amount', price_amount, 'currency', currency), 'capacity', capacity)) AS rooms
      FROM m GROUP BY property_id
    ), k AS (SELECT *, ${key} AS key FROM g)
    SELECT * FROM k ${after} ORDER BY key ${desc ? sql`DESC` : sql`ASC`}, property_id ASC LIMIT ${q.limit + 1}`;
}

/** The column a sort orders by, and its direction (ties: property id, ascending). Relevance without words is newest. */
function sortKey(sort: SearchSort, hasWords: boolean): { key: SQL; desc: boolean } {
  switch (sort) {
    case "price_asc":
      return { key: sql`min_price`, desc: false };
    case "price_desc":
      return { key: sql`min_price`, desc: true };
    case "distance":
      return { key: sql`dist`, desc: false };
    case "newest":
      return { key: sql`listed_at`, desc: true };
    case "relevance":
      return hasWords ? { key: sql`score`, desc: true } : { key: sql`listed_at`, desc: true };
  }
}

/**
 * A room's score for the words: per word, 8 when a word of its title (or room name) is the word,
 * 4 when a word of its city, amenities or description is, 6 and 3 when the last word begins one,
 * and 1 when only a word one typo away matched. A function of the query and the room alone (no
 * corpus statistics), so a score, and a cursor made from it, does not move when other listings change.
 */
function scoreSql(words: string[]): SQL {
  if (words.length === 0) return sql`0`;
  const parts = words.map((w, i) => {
    const prefix =
      i === words.length - 1
        ? sql` WHEN instr(l.search_title, ${` ${w}`}) > 0 THEN 6 WHEN instr(l.search_body, ${` ${w}`}) > 0 THEN 3`
        : sql``;
    return sql`(CASE WHEN instr(l.search_title, ${` ${w} `}) > 0 THEN 8 WHEN instr(l.search_body, ${` ${w} `}) > 0 THEN 4${prefix} ELSE 1 END)`;
  });
  return sql.join(parts, sql` + `);
}

/**
 * The FTS5 query, built inside SQL from the typo index so that the whole search stays one round
 * trip: per word `("word" OR "near1" OR …)`, the last one also `"word"*`, all ANDed. Words are
 * folded to letters and digits before they get here, so quoting them is all FTS5 syntax needs:
 * nothing a user types is ever read as query syntax.
 */
function matchExpression(words: string[]): SQL {
  const terms = words.map((w, i) => {
    const near = sql`coalesce((SELECT ' OR ' || group_concat('"' || word || '"', ' OR ') FROM (
        SELECT DISTINCT word FROM search_variants WHERE variant IN (SELECT value FROM json_each(${JSON.stringify(variants(w))})) AND word <> ${w}
      )), '')`;
    const prefix = i === words.length - 1 ? ` OR "${w}"*` : "";
    return sql`'("' || ${w} || '"' || ${near} || ${prefix} || ')'`;
  });
  return sql.join(terms, sql` || ' AND ' || `);
}

function boxFilter(box: GeoBox): SQL {
  const lng = box.lngRanges.map(([west, east]) => sql`l.lng BETWEEN ${west} AND ${east}`);
  return sql`l.lat BETWEEN ${box.minLat} AND ${box.maxLat} AND (${sql.join(lng, sql` OR `)})`;
}

/** Great-circle distance in km from `c` to the row's point (haversine, in SQLite's math functions). */
function distanceSql(c: Point): SQL {
  return sql`(2 * ${EARTH_RADIUS_KM} * asin(min(1, sqrt(
    pow(sin(radians(l.lat - ${c.lat}) / 2), 2) +
    cos(radians(${c.lat})) * cos(radians(l.lat)) * pow(sin(radians(l.lng - ${c.lng}) / 2), 2)))))`;
}

/**
 * Up to `limit` completions for what is typed: cities, amenities and property titles whose words
 * begin with the last word or are one typo from a word, in one statement.
 */
export async function suggest(
  db: D1Db,
  words: string[],
  limit: number,
): Promise<{ text: string; kind: "city" | "amenity" | "property" }[]> {
  const last = words.at(-1)!;
  const match = matchExpression(words);
  return db.all(sql`WITH near(word) AS (
      SELECT ${last} UNION SELECT word FROM search_variants WHERE variant IN (SELECT value FROM json_each(${JSON.stringify(variants(last))}))
    ),
    cities AS (
      SELECT city AS text, 'city' AS kind, 0 AS rank FROM listings
      WHERE active = 1 AND (lower(city) LIKE ${`${last}%`} OR lower(city) IN (SELECT word FROM near))
      GROUP BY city ORDER BY count(*) DESC LIMIT ${limit}
    ),
    amenity AS (
      SELECT a.value AS text, 'amenity' AS kind, 1 AS rank FROM (SELECT DISTINCT amenities FROM listings WHERE active = 1) AS l, json_each(l.amenities) AS a
      WHERE replace(a.value, '_', ' ') LIKE ${`${last}%`} OR a.value IN (SELECT word FROM near)
      GROUP BY a.value LIMIT ${limit}
    ),
    titles AS (
      SELECT l.title AS text, 'property' AS kind, 2 AS rank FROM listing_fts f JOIN listings l ON l.room_id = f.room_id
      WHERE listing_fts MATCH ('title : (' || ${match} || ')') AND l.active = 1
      GROUP BY l.title LIMIT ${limit}
    )
    SELECT text, kind FROM (SELECT * FROM cities UNION ALL SELECT * FROM amenity UNION ALL SELECT * FROM titles)
    ORDER BY rank LIMIT ${limit}`);
}
