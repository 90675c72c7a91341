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
  amenities: string[];
  photoUrl: string | null;
  description: string;
  rooms: {
    id: string;
    name: string;
    rentalMode: string;
    price: { amount: number; currency: string };
    capacity: number;
  }[];
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
type Facet = "type" | "amenities" | "city" | "rentalMode" | "price";

/** Price facet buckets, in minor units: 100.00 wide for monthly rents, 25.00 for nights. */
const PRICE_BUCKET = { monthly: 10_000, nightly: 2_500 };

/**
 * Runs a search as one D1 statement: the rooms that pass the filters no facet counts (text, geo,
 * country, currency, units, dates) are found once, on an index, and materialized with a flag per
 * facet filter; the page, the total and each facet (with every filter but its own) are then
 * counted from that set, in memory: the page's rows and one row of counts.
 */
export async function runSearch(
  db: D1Db,
  q: SearchQuery,
): Promise<{ rows: SearchRow[]; total: number; facets: SearchFacets }> {
  const [rows] = await batchSql<[{ part: string; v: string }[]]>(db, [searchStatement(q)]);
  const page: (SearchRow & { i: number })[] = [];
  let counted: { total: number } & Omit<SearchFacets, "price"> & { price: { b: number; w: number; n: number }[] } = {
    total: 0,
    type: {},
    amenities: {},
    city: {},
    rentalMode: {},
    price: [],
  };
  for (const { part, v } of rows) {
    if (part === "page") page.push(JSON.parse(v) as SearchRow & { i: number });
    else counted = JSON.parse(v) as typeof counted;
  }
  const { total, price, ...facets } = counted;
  return {
    rows: page.sort((a, b) => a.i - b.i),
    total,
    facets: { ...facets, price: (price ?? []).map((r) => ({ min: r.b * r.w, max: (r.b + 1) * r.w - 1, count: r.n })) },
  };
}

/** The whole search statement (also for `EXPLAIN QUERY PLAN` in the tests). */
export function searchStatement(q: SearchQuery): SQL {
  const others = (facet: Facet) =>
    sql.join(
      FACETS.filter((f) => f !== facet).map((f) => sql.raw(`ok_${f}`)),
      sql` AND `,
    );
  const counts = (name: Facet, column: string) =>
    sql`(SELECT json_group_object(k, n) FROM (
      SELECT ${sql.raw(column)} AS k, count(DISTINCT property_id) AS n FROM b WHERE ${others(name)}
      GROUP BY k ORDER BY n DESC, k))`;
  // Type and city are the property's: counted over bp, a row per property, no DISTINCT needed.
  const propertyCounts = (name: "type" | "city") =>
    sql`(SELECT json_group_object(k, n) FROM (
      SELECT ${sql.raw(name)} AS k, count(*) AS n FROM bp WHERE o_${sql.raw(name)} GROUP BY k ORDER BY n DESC, k))`;
  const price =
    q.currency === null
      ? sql`json_array()`
      : sql`(SELECT json_group_array(json_object('b', bucket, 'w', w, 'n', n)) FROM (
          SELECT CAST(price_amount / w AS INTEGER) AS bucket, w, count(DISTINCT property_id) AS n
          FROM (SELECT property_id, price_amount, CASE rental_mode WHEN 'nightly' THEN ${sql.raw(String(PRICE_BUCKET.nightly))} ELSE ${sql.raw(String(PRICE_BUCKET.monthly))} END AS w FROM b WHERE ${others("price")})
          GROUP BY w, bucket ORDER BY w, bucket))`;
  // Two terms only: D1 allows few terms in a compound SELECT.
  // bp: a row per property of b, with whether some room of it passes every filter but type's, city's, amenities'.
  const bp = sql`bp AS (SELECT property_id, type, city, amenities, max(${others("type")}) AS o_type,
      max(${others("city")}) AS o_city, max(${others("amenities")}) AS o_amenities FROM b GROUP BY property_id)`;
  return sql`${candidates(q)}, ${pageCte(q)}, ${bp}
    SELECT 'page' AS part, json_object('i', p.i, 'propertyId', p.property_id, 'title', x.title, 'type', x.type,
      'city', x.city, 'country', x.country, 'lat', x.lat, 'lng', x.lng, 'amenities', json(x.amenities),
      'photoUrl', x.photo_url, 'description', x.description, 'rooms', json(pr.rooms), 'score', p.score,
      'dist', p.dist, 'key', p.key) AS v
    FROM page p JOIN pr ON pr.property_id = p.property_id CROSS JOIN listings x ON x.room_id = pr.any_room
    UNION ALL SELECT 'counts', json_object(
      'total', (SELECT count(DISTINCT property_id) FROM m),
      'type', json(${propertyCounts("type")}),
      'city', json(${propertyCounts("city")}),
      'rentalMode', json(${counts("rentalMode", "rental_mode")}),
      'amenities', json((SELECT json_group_object(k, n) FROM (
        SELECT a.value AS k, count(*) AS n FROM bp, json_each(bp.amenities) AS a
        WHERE bp.o_amenities GROUP BY a.value ORDER BY n DESC, k LIMIT 30))),
      'price', json(${price}))`;
}

const FACETS: Facet[] = ["type", "amenities", "city", "rentalMode", "price"];

/**
 * `WITH r AS MATERIALIZED (…), b AS (…), m AS (…)`: `b` holds the active rooms that pass every
 * filter no facet counts, with their score, distance and an `ok_<facet>` flag per facet filter;
 * `m` those that pass them all. With words, the full-text index finds the rooms (each word as
 * typed, the indexed words one typo from it, and for the last word every word it begins).
 */
function candidates(q: SearchQuery): SQL {
  const where: SQL[] = [sql`l.active = 1`];
  // CROSS JOIN: the full-text match drives (SQLite would otherwise walk every active listing and probe the index per row).
  const from = q.words.length ? sql`listing_fts f CROSS JOIN listings l ON l.search_rowid = f.rowid` : sql`listings l`;
  if (q.words.length) where.push(sql`listing_fts MATCH (${matchExpression(q.words)})`);
  for (const box of q.boxes) where.push(boxFilter(box));
  if (q.country) where.push(sql`l.country = ${q.country}`);
  if (q.currency) where.push(sql`l.currency = ${q.currency}`);
  if (q.units !== null) where.push(sql`l.capacity >= ${q.units}`);
  if (q.dates)
    where.push(sql`NOT EXISTS (SELECT 1 FROM room_nights n WHERE n.room_id = l.room_id
      AND n.day >= ${q.dates.from} AND n.day < ${q.dates.to} AND n.units > l.capacity - ${q.units ?? 1})`);
  const all = (parts: SQL[]) => (parts.length ? sql`(${sql.join(parts, sql` AND `)})` : sql`1`);
  const flags = {
    type: all(
      q.types.length
        ? [
            sql`l.type IN (${sql.join(
              q.types.map((t) => sql`${t}`),
              sql`, `,
            )})`,
          ]
        : [],
    ),
    city: all(q.city ? [sql`l.city = ${q.city} COLLATE NOCASE`] : []),
    rentalMode: all(q.rentalMode ? [sql`l.rental_mode = ${q.rentalMode}`] : []),
    price: all([
      ...(q.minPrice !== null ? [sql`l.price_amount >= ${q.minPrice}`] : []),
      ...(q.maxPrice !== null ? [sql`l.price_amount <= ${q.maxPrice}`] : []),
    ]),
    // The element as the stored JSON array spells it, quotes included: an exact element, never part of one
    // (a quote inside an element is escaped there), without unpacking the array per room.
    amenities: all(q.amenities.map((a) => sql`instr(l.amenities, json_quote(${a})) > 0`)),
  };
  const dist = q.centre ? distanceSql(q.centre) : sql`NULL`;
  const radius = q.centre && q.radiusKm !== null ? sql` WHERE dist <= ${q.radiusKm}` : sql``;
  // Only what filters, facets and sorts read: the page's display columns are read for its rows alone (pageCte).
  return sql`WITH r AS MATERIALIZED (
      SELECT l.room_id, l.property_id, l.type, l.city, l.amenities, l.listed_at, l.rental_mode, l.price_amount,
        ${scoreSql(q.words)} AS score, ${dist} AS dist,
        ${flags.type} AS ok_type, ${flags.city} AS ok_city, ${flags.rentalMode} AS ok_rentalMode,
        ${flags.price} AS ok_price, ${flags.amenities} AS ok_amenities
      FROM ${from} WHERE ${sql.join(where, sql` AND `)}
    ), b AS (SELECT * FROM r${radius}),
    m AS (SELECT * FROM b WHERE ok_type AND ok_city AND ok_rentalMode AND ok_price AND ok_amenities)`;
}

/**
 * `g`, `k`, `page`: properties grouped from their matching rooms, ordered by the sort, after the
 * keyset cursor; `pr`: the page's properties' matching rooms, with the columns a page shows.
 */
function pageCte(q: SearchQuery): SQL {
  const { key, desc } = sortKey(q.sort, q.words.length > 0);
  const after = q.after
    ? desc
      ? sql`WHERE (key < ${q.after.key} OR (key = ${q.after.key} AND property_id > ${q.after.id}))`
      : sql`WHERE (key > ${q.after.key} OR (key = ${q.after.key} AND property_id > ${q.after.id}))`
    : sql``;
  const order = sql`key ${desc ? sql`DESC` : sql`ASC`}, property_id ASC`;
  return sql`g AS (
      SELECT property_id, max(score) AS score, min(dist) AS dist, min(price_amount) AS min_price,
        max(listed_at) AS listed_at
      FROM m GROUP BY property_id
    ), k AS (SELECT *, ${key} AS key FROM g),
    page AS (SELECT *, row_number() OVER (ORDER BY ${order}) AS i FROM k ${after} ORDER BY ${order} LIMIT ${q.limit + 1}),
    pr AS (
      SELECT m.property_id, min(m.room_id) AS any_room,
        json_group_array(json_object('id', lr.room_id, 'name', lr.room_name, 'rentalMode', lr.rental_mode,
          'price', json_object('amount', lr.price_amount, 'currency', lr.currency), 'capacity', lr.capacity)) AS rooms
      FROM m CROSS JOIN listings lr ON lr.room_id = m.room_id
      WHERE m.property_id IN (SELECT property_id FROM page) GROUP BY m.property_id
    )`;
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
      SELECT l.title AS text, 'property' AS kind, 2 AS rank FROM listing_fts f CROSS JOIN listings l ON l.search_rowid = f.rowid
      WHERE listing_fts MATCH ('title : (' || ${match} || ')') AND l.active = 1
      GROUP BY l.title LIMIT ${limit}
    )
    SELECT text, kind FROM (SELECT * FROM cities UNION ALL SELECT * FROM amenity UNION ALL SELECT * FROM titles)
    ORDER BY rank LIMIT ${limit}`);
}
