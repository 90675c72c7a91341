/**
 * Search benchmark: Roomline's `GET /v1/search` against @orama/orama in this process, on the same
 * generated listings and the same seeded queries. The listings come from the demo seed's generator
 * (scripts/seed.ts `buildDemoData`, run with one seed per batch and re-numbered), go into the bench
 * worker's local D1 with `wrangler d1 execute --file` (as bench/outbox.ts writes its backlog) and
 * into an Orama index with `insertMultiple`. Each query is answered by both engines and, exactly,
 * in plain JS over the generated rows (structured filters plus the words the query meant, before
 * its typo), which gives recall@10. Also measured: how long a listing made through the API takes to
 * appear in search (the outbox event, the queue and the listing consumer).
 */
import { loadavg } from "node:os";
import { create, insertMultiple, search as oramaSearch, type Orama, type SearchParams } from "@orama/orama";
import { listings, properties, rooms, searchVariants, users } from "../schema/d1";
import { distanceKm, type Point } from "../workers/domain/geo";
import { variantRows, words as foldWords } from "../workers/domain/search-text";
import {
  buildDemoData,
  createRng,
  insertStatements,
  listingOf,
  FULL_TEXT_ROWS_SQL,
  seedId,
  type ListingRow,
  type PropertyRow,
  type Rng,
  type RoomRow,
  type UserRow,
} from "../scripts/seed";
import cityData from "../scripts/seed-data/cities.json" with { type: "json" };
import { httpClient, pooled, sendJson, type HttpClient } from "./http";
import { applySql, mergeInserts } from "./local-d1";
import type { Platform } from "./platform";
import { sleep } from "./processes";
import { percentile, round, table, latency, type Latency } from "./stats";

export interface SearchOptions {
  /** Listings (rooms) to generate. */
  listings: number;
  /** Queries in the mix. */
  queries: number;
  /** Queries in flight in the concurrent pass over the API. */
  concurrency: number;
  /** Queries of the concurrent pass (the first of the mix). */
  concurrentQueries: number;
  seed: number;
  /** Listings made through the API to measure indexing lag. */
  lagSamples: number;
  /** Wall time Orama may spend on the queries (it answers them in order until then). */
  oramaBudgetMs: number;
}

type Sort = "relevance" | "price_asc" | "price_desc" | "distance" | "newest";
const KINDS = [
  "typo",
  "typo_filter",
  "prefix",
  "multiword",
  "geo_radius",
  "bbox",
  "facets",
  "price",
  "dates",
  "text_geo",
] as const;
type Kind = (typeof KINDS)[number];
/** Share of each kind in the mix (sums to 100). */
const KIND_WEIGHTS: Record<Kind, number> = {
  typo: 14,
  typo_filter: 8,
  prefix: 10,
  multiword: 8,
  geo_radius: 12,
  bbox: 10,
  facets: 12,
  price: 10,
  dates: 8,
  text_geo: 8,
};

/** One query, engine-neutral: it becomes URL parameters, Orama parameters and the exact answer's predicate. */
export interface QuerySpec {
  kind: Kind;
  /** The text as typed (typos included). */
  q?: string;
  /** What the text meant: the words before the typo; `prefix` for a word still being typed. */
  intent: { word: string; prefix: boolean }[];
  /** How the typo was made, when there is one. */
  typo?: { op: "drop" | "swap" | "replace"; from: string; to: string };
  centre?: Point;
  radiusKm?: number;
  bbox?: [number, number, number, number];
  city?: string;
  types: string[];
  rentalMode?: string;
  currency?: string;
  minPrice?: number;
  maxPrice?: number;
  amenities: string[];
  units?: number;
  dates?: { from: string; to: string };
  sort: Sort;
}

interface LowRecall {
  kind: Kind;
  url: string;
  recall: number;
  exact: number;
  /** Hits outside the exact answer: the property and its folded text. */
  outside: { propertyId: string; title: string; body: string }[];
}

interface KindFigures {
  n: number;
  withExact: number;
  medianExactProperties: number;
  roomline: Latency & { recallAt10: number | null };
  /** Over the queries of this kind that Orama answered within its budget. */
  orama: Latency & { recallAt10: number | null };
}

export interface SearchBenchResult {
  listings: number;
  properties: number;
  queries: number;
  seed: number;
  kindsInMix: Record<string, number>;
  seeding: { ms: number; files: number; megabytes: number; statements: number; largestStatementBytes: number };
  /** Computing the exact answers in plain JS (not part of either engine's figures). */
  exactMs: number;
  roomline: {
    /** Every query, one at a time: latency, and recall over every query with an exact answer. */
    sequential: Latency & { wallMs: number; qps: number };
    /** The first `queries` of the mix again, `inFlight` at a time: throughput. */
    concurrent: Latency & { inFlight: number; queries: number; wallMs: number; qps: number };
    recallAt10: number | null;
    recallQueries: number;
    /** The sequential pass restricted to the queries Orama answered (the same queries, side by side). */
    onOramaQueries: Latency & { recallAt10: number | null };
    /** Answers that were not 200 (either pass). */
    errors: number;
    failures: { kind: Kind; pass: string; status: number; body: string; url: string }[];
    /** Hits (properties) none of whose returned rooms passes the query's structured filters. */
    filterViolations: number;
    /** Queries whose `total` is below the exact number of properties (a superset is expected: typo neighbours). */
    totalBelowExact: { kind: Kind; url: string; total: number; exact: number }[];
    slowest: { kind: Kind; ms: number; url: string; total: number }[];
    /** Queries with recall@10 below 1, with what the top 10 had that the exact answer has not. */
    lowRecall: LowRecall[];
  };
  orama: Latency & {
    buildMs: number;
    /** Two filter-only sorted queries before the timed run (Orama sorts its sort indexes lazily). */
    warmupMs: number;
    budgetMs: number;
    /** Queries answered: the first `answered` of the mix, one after another, until the budget ran out. */
    answered: number;
    wallMs: number;
    qps: number;
    recallAt10: number | null;
    recallQueries: number;
    filterViolations: number;
    errors: number;
    failures: { kind: Kind; error: string }[];
    heapUsedMiB: number;
    slowest: { kind: Kind; ms: number; url: string; count: number }[];
    lowRecall: LowRecall[];
  };
  byKind: Record<string, KindFigures>;
  /** Recall@10 of typo queries by how the typo was made (Orama: over the ones it answered). */
  recallByTypo: Record<string, { n: number; roomline: number | null; oramaN: number; orama: number | null }>;
  lag: { samples: number[]; medianMs: number | null; maxMs: number | null; timedOut: number };
  /** 1-minute load average at the start and after each engine's run (2 cores: above ~1.5 means other work competed). */
  loadAverage: { start: number; afterRoomline: number; afterOrama: number };
}

const LIMIT = 10;
const MINUTE = 60_000;
/** Listed-at times start here, ten minutes apart per property (`sort=newest`). */
const BENCH_EPOCH = Date.UTC(2026, 1, 1, 8, 0, 0);
const LAG_POLL_MS = 50;
const iso = (ms: number) => new Date(ms).toISOString();
const LAG_TIMEOUT_MS = 30_000;
const PROGRESS_MS = 60_000;
const ORAMA_TEXT_FIELDS = ["text", "title"] as const;

export async function runSearchBench(
  platform: Platform,
  o: SearchOptions,
  say: (line: string) => void,
): Promise<SearchBenchResult> {
  const loadStart = loadavg()[0]!;
  let started = performance.now();
  const cat = generateCatalog(o.listings, o.seed);
  say(`  ${cat.listings.length} listings in ${cat.properties.length} properties generated (${seconds(started)} s)`);
  const seeding = await seedD1(platform, cat, say);
  const corpus = buildCorpus(cat);
  const specs = generateQueries(cat, corpus, o.queries, o.seed);
  const kindsInMix = Object.fromEntries(KINDS.map((k) => [k, specs.filter((s) => s.kind === k).length]));
  say(`  ${specs.length} queries: ${KINDS.map((k) => `${k} ${kindsInMix[k]}`).join(", ")}`);
  started = performance.now();
  const exact = specs.map((s) => exactAnswer(corpus, s));
  const exactMs = performance.now() - started;
  say(`  exact answers computed in plain JS (${seconds(started)} s)`);

  // Roomline, through the HTTP API: every query one at a time (latency, recall), then the first
  // `concurrentQueries` again with `concurrency` in flight (throughput).
  const urls = specs.map((s) => `${platform.api}/v1/search?${searchParams(s)}`);
  const client = httpClient(o.concurrency);
  await client.warm(`${platform.api}/bench-warm-up`, o.concurrency);
  for (const url of urls.slice(0, Math.min(5, urls.length))) await client.send("GET", url); // warm the isolate
  say(`  Roomline: ${urls.length} queries one at a time…`);
  const seq = await timedPass(client, urls, 1, say);
  say(`    ${seconds(0, seq.wallMs)} s, p50 ${round(percentile(seq.ms, 50))} ms`);
  const concUrls = urls.slice(0, Math.min(o.concurrentQueries, urls.length));
  say(`  Roomline: the first ${concUrls.length} queries again, ${o.concurrency} in flight…`);
  const conc = await timedPass(client, concUrls, o.concurrency, say);
  say(`    ${seconds(0, conc.wallMs)} s`);
  const failures: SearchBenchResult["roomline"]["failures"] = [];
  for (const [pass, run] of [
    ["sequential", seq],
    ["concurrent", conc],
  ] as const)
    run.answers.forEach((a, i) => {
      if (a.status !== 200 && failures.length < 30)
        failures.push({ kind: specs[i]!.kind, pass, status: a.status, body: a.body.slice(0, 500), url: urls[i]! });
    });
  const errors = [...seq.answers, ...conc.answers].filter((a) => a.status !== 200).length;
  const roomlineHits = seq.answers.map((a) => a.hits);
  const loadAfterRoomline = loadavg()[0]!;

  // Orama, in this process, after the API runs (so the two never share the CPU).
  say("  Orama: building the index…");
  const heapBefore = process.memoryUsage().heapUsed;
  started = performance.now();
  const db = await buildOrama(cat);
  const buildMs = performance.now() - started;
  const heapUsedMiB = round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20, 0);
  say(`    ${cat.listings.length} documents in ${seconds(started)} s (heap +${heapUsedMiB} MiB)`);
  const facetRanges = priceRanges(cat);
  started = performance.now();
  for (const property of ["price", "listedAt"])
    await oramaSearch(db, { limit: 1, sortBy: { property, order: "ASC" } } as SearchParams<OramaDb>);
  const warmupMs = performance.now() - started;
  say(`  Orama: up to ${specs.length} queries, one after another, for at most ${o.oramaBudgetMs / 1000} s…`);
  const oramaRun = await runOrama(db, specs, facetRanges, o.oramaBudgetMs, say);
  const answered = oramaRun.ms.length;
  say(
    `    ${answered} queries in ${seconds(0, oramaRun.wallMs)} s, p50 ${round(percentile(oramaRun.ms, 50), 2)} ms${answered < specs.length ? " (budget spent)" : ""}`,
  );
  const answeredIdx = specs.slice(0, answered).map((_, i) => i);
  const loadAfterOrama = loadavg()[0]!;

  // Relevance and correctness, against the exact answers.
  const recallR = specs.map((_, i) => recallAt10(roomlineHits[i]?.map((h) => h.propertyId) ?? null, exact[i]!));
  const recallO = answeredIdx.map((i) => recallAt10(oramaRun.hits[i]?.map((h) => h.propertyId) ?? null, exact[i]!));
  const violations = (hits: (Hit[] | null)[]) =>
    hits.reduce(
      (n, list, i) =>
        n +
        (list ?? []).filter((h) => !h.roomIds.some((id) => passesFilters(corpus, corpus.roomIndex.get(id)!, specs[i]!)))
          .length,
      0,
    );
  const totalBelowExact = specs.flatMap((s, i) => {
    const a = seq.answers[i]!;
    return a.status === 200 && a.total < exact[i]!.size
      ? [{ kind: s.kind, url: urls[i]!.slice(platform.api.length), total: a.total, exact: exact[i]!.size }]
      : [];
  });

  const lowRecall = (recall: (number | null)[], hits: (Hit[] | null)[]): LowRecall[] =>
    recall.flatMap((r, i) => {
      if (r === null || r >= 1) return [];
      const outside = (hits[i] ?? []).filter((h) => !exact[i]!.has(h.propertyId)).slice(0, 3);
      return [
        {
          kind: specs[i]!.kind,
          url: urls[i]!.slice(platform.api.length),
          recall: round(r, 2),
          exact: exact[i]!.size,
          outside: outside.map((h) => {
            const l = corpus.listings[corpus.roomIndex.get(h.roomIds[0]!)!]!;
            return { propertyId: h.propertyId, title: l.searchTitle.trim(), body: l.searchBody.trim().slice(0, 160) };
          }),
        },
      ];
    });
  const byKind: SearchBenchResult["byKind"] = {};
  for (const kind of KINDS) {
    const idx = specs.flatMap((s, i) => (s.kind === kind ? [i] : []));
    if (idx.length === 0) continue;
    const done = idx.filter((i) => i < answered);
    byKind[kind] = {
      n: idx.length,
      withExact: idx.filter((i) => exact[i]!.size > 0).length,
      medianExactProperties: percentile(
        idx.map((i) => exact[i]!.size),
        50,
      ),
      roomline: { ...latency(idx.map((i) => seq.ms[i]!)), recallAt10: mean(idx.map((i) => recallR[i]!)) },
      orama: {
        ...latency(
          done.map((i) => oramaRun.ms[i]!),
          2,
        ),
        recallAt10: mean(done.map((i) => recallO[i]!)),
      },
    };
  }
  const recallByTypo: SearchBenchResult["recallByTypo"] = {};
  for (const op of ["drop", "swap", "replace"] as const) {
    const idx = specs.flatMap((s, i) => (s.typo?.op === op ? [i] : []));
    const done = idx.filter((i) => i < answered);
    recallByTypo[op] = {
      n: idx.length,
      roomline: mean(idx.map((i) => recallR[i]!)),
      oramaN: done.length,
      orama: mean(done.map((i) => recallO[i]!)),
    };
  }
  const slowest = (ms: number[]) =>
    ms
      .map((m, i) => ({ m, i }))
      .sort((a, b) => b.m - a.m)
      .slice(0, 15);

  say(`  Indexing lag: ${o.lagSamples} listings made through the API…`);
  const lag = await measureLag(platform.api, o.lagSamples, say);
  client.close();

  return {
    listings: cat.listings.length,
    properties: cat.properties.length,
    queries: specs.length,
    seed: o.seed,
    kindsInMix,
    seeding,
    exactMs: round(exactMs, 0),
    roomline: {
      sequential: {
        ...latency(seq.ms),
        wallMs: round(seq.wallMs, 0),
        qps: round(urls.length / (seq.wallMs / 1000), 2),
      },
      concurrent: {
        ...latency(conc.ms),
        inFlight: o.concurrency,
        queries: concUrls.length,
        wallMs: round(conc.wallMs, 0),
        qps: round(concUrls.length / (conc.wallMs / 1000), 2),
      },
      recallAt10: mean(recallR),
      recallQueries: recallR.filter((r) => r !== null).length,
      onOramaQueries: {
        ...latency(answeredIdx.map((i) => seq.ms[i]!)),
        recallAt10: mean(answeredIdx.map((i) => recallR[i]!)),
      },
      errors,
      failures,
      filterViolations: violations(roomlineHits),
      totalBelowExact: totalBelowExact.slice(0, 30),
      slowest: slowest(seq.ms).map(({ m, i }) => ({
        kind: specs[i]!.kind,
        ms: round(m),
        url: urls[i]!.slice(platform.api.length),
        total: seq.answers[i]!.total,
      })),
      lowRecall: lowRecall(recallR, roomlineHits).slice(0, 40),
    },
    orama: {
      ...latency(oramaRun.ms, 2),
      buildMs: round(buildMs, 0),
      warmupMs: round(warmupMs, 0),
      budgetMs: o.oramaBudgetMs,
      answered,
      wallMs: round(oramaRun.wallMs, 0),
      qps: round(answered / (oramaRun.wallMs / 1000), 2),
      recallAt10: mean(recallO),
      recallQueries: recallO.filter((r) => r !== null).length,
      filterViolations: violations(oramaRun.hits),
      errors: oramaRun.failures.length,
      failures: oramaRun.failures.slice(0, 30),
      heapUsedMiB,
      slowest: slowest(oramaRun.ms).map(({ m, i }) => ({
        kind: specs[i]!.kind,
        ms: round(m, 1),
        url: urls[i]!.slice(platform.api.length),
        count: oramaRun.counts[i] ?? 0,
      })),
      lowRecall: lowRecall(recallO, oramaRun.hits).slice(0, 40),
    },
    byKind,
    recallByTypo,
    lag,
    loadAverage: {
      start: round(loadStart, 2),
      afterRoomline: round(loadAfterRoomline, 2),
      afterOrama: round(loadAfterOrama, 2),
    },
  };
}

/** Seconds since `since` (a performance.now() time), or of `ms` when given, to one decimal. */
function seconds(since: number, ms = performance.now() - since): string {
  return (ms / 1000).toFixed(1);
}

// ---------------------------------------------------------------------------------------------
// Data

interface Catalog {
  landlord: UserRow;
  properties: PropertyRow[];
  rooms: RoomRow[];
  listings: ListingRow[];
}

/**
 * `n` listings from the demo seed's generator: `buildDemoData` (240 properties with 1–4 rooms each
 * over the six demo cities) is run with one seed per batch until there are enough rooms; every row
 * gets a fresh id, the one bench landlord as owner and its own listed-at time, ten minutes apart.
 */
function generateCatalog(n: number, seed: number): Catalog {
  const at0 = iso(BENCH_EPOCH);
  const landlord: UserRow = {
    id: seedId("usr", BENCH_EPOCH, 0),
    email: "search-bench-landlord@bench.roomline.dev",
    name: "Search Bench Landlord",
    role: "landlord",
    locale: null,
    passwordHash: "bench-no-login", // no valid hash: nobody signs in as this user
    createdAt: at0,
    updatedAt: at0,
  };
  const cat: Catalog = { landlord, properties: [], rooms: [], listings: [] };
  for (let batch = 0; cat.rooms.length < n; batch++) {
    const demo = buildDemoData(seed * 100_003 + batch);
    const roomsOf = new Map<string, RoomRow[]>();
    for (const r of demo.rooms) roomsOf.set(r.propertyId, [...(roomsOf.get(r.propertyId) ?? []), r]);
    for (const p of demo.properties) {
      if (cat.rooms.length >= n) break;
      const at = BENCH_EPOCH + (cat.properties.length + 1) * 10 * MINUTE;
      const property: PropertyRow = {
        ...p,
        id: seedId("prop", at, cat.properties.length),
        ownerId: landlord.id,
        createdAt: iso(at),
        updatedAt: iso(at),
      };
      cat.properties.push(property);
      for (const [k, r] of (roomsOf.get(p.id) ?? []).entries()) {
        if (cat.rooms.length >= n) break;
        const rat = at + (k + 1) * MINUTE;
        const room: RoomRow = {
          ...r,
          id: seedId("room", rat, cat.rooms.length),
          propertyId: property.id,
          createdAt: iso(rat),
          updatedAt: iso(rat),
        };
        cat.rooms.push(room);
        cat.listings.push(listingOf(property, room));
      }
    }
  }
  return cat;
}

/** Writes the catalogue and its search index into the bench worker's local D1, as SQL files. */
async function seedD1(
  platform: Platform,
  cat: Catalog,
  say: (line: string) => void,
): Promise<SearchBenchResult["seeding"]> {
  const started = performance.now();
  return applySql(platform, seedStatements(cat), "search-seed", say, started);
}

/**
 * The seed as SQL: the rows through the seed's `insertStatements`, the full-text rows as it writes them
 * (`FULL_TEXT_ROWS_SQL`) and the typo index's variants of the distinct words
 * (`variantRows`, as `searchIndexStatements` makes them, once for the whole vocabulary instead of
 * once per chunk). Consecutive INSERTs into the same table are then merged (`mergeInserts` in
 * bench/local-d1.ts).
 */
function seedStatements(cat: Catalog): string[] {
  const vocabulary = new Set<string>();
  for (let i = 0; i < cat.listings.length; i += 5000) {
    const chunk = cat.listings.slice(i, i + 5000);
    for (const l of chunk) for (const w of foldWords(`${l.searchTitle} ${l.searchBody}`)) vocabulary.add(w);
  }
  return mergeInserts([
    ...insertStatements(users, [cat.landlord]),
    ...insertStatements(properties, cat.properties),
    ...insertStatements(rooms, cat.rooms),
    ...insertStatements(listings, cat.listings),
    FULL_TEXT_ROWS_SQL,
    ...insertStatements(searchVariants, variantRows([...vocabulary].join(" "))),
  ]);
}

/** The generated rows, laid out for the exact answers: one entry per listing, and an inverted index of words. */
interface Corpus {
  listings: ListingRow[];
  /** Property index of each listing. */
  prop: Int32Array;
  propertyIds: string[];
  amenities: Set<string>[];
  roomIndex: Map<string, number>;
  postings: Map<string, number[]>;
  titleWords: string[][];
  bodyWords: string[][];
}

function buildCorpus(cat: Catalog): Corpus {
  const propIndex = new Map(cat.properties.map((p, i) => [p.id, i]));
  const postings = new Map<string, number[]>();
  const titleWords: string[][] = [];
  const bodyWords: string[][] = [];
  cat.listings.forEach((l, i) => {
    const t = l.searchTitle.trim().split(" ");
    const b = l.searchBody.trim().split(" ");
    titleWords.push(t);
    bodyWords.push(b);
    for (const w of new Set([...t, ...b])) {
      const list = postings.get(w);
      if (list) list.push(i);
      else postings.set(w, [i]);
    }
  });
  return {
    listings: cat.listings,
    prop: Int32Array.from(cat.listings, (l) => propIndex.get(l.propertyId)!),
    propertyIds: cat.properties.map((p) => p.id),
    amenities: cat.properties.map((p) => new Set(p.amenities)),
    roomIndex: new Map(cat.listings.map((l, i) => [l.roomId, i])),
    postings,
    titleWords,
    bodyWords,
  };
}

// ---------------------------------------------------------------------------------------------
// Queries

interface CityInfo {
  name: string;
  currency: string;
  centre: Point;
}

const CITY_INFO: CityInfo[] = cityData.map((c) => ({
  name: c.name,
  currency: c.currency,
  centre: {
    lat: c.neighbourhoods.reduce((s, h) => s + h.lat, 0) / c.neighbourhoods.length,
    lng: c.neighbourhoods.reduce((s, h) => s + h.lng, 0) / c.neighbourhoods.length,
  },
}));
const TYPES = ["apartment", "house", "studio", "shared_house", "residence"];

/** A fixed, seeded mix of `count` queries, each anchored on a random listing so most have answers. */
function generateQueries(cat: Catalog, corpus: Corpus, count: number, seed: number): QuerySpec[] {
  const rng = createRng(seed ^ 0x5eac4);
  const vocab = new Set(corpus.postings.keys());
  const kinds = KINDS.flatMap((k) => Array.from({ length: KIND_WEIGHTS[k] }, () => k));
  const today = new Date();
  const day = (offset: number) =>
    new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + offset))
      .toISOString()
      .slice(0, 10);
  const specs: QuerySpec[] = [];
  while (specs.length < count) {
    const i = rng.int(0, cat.listings.length - 1);
    const spec = makeQuery(rng, rng.pick(kinds), corpus, i, vocab, day);
    if (spec) specs.push(spec);
  }
  return specs;
}

const long = (w: string, min = 5) => /^[a-z]+$/.test(w) && w.length >= min;

function makeQuery(
  rng: Rng,
  kind: Kind,
  corpus: Corpus,
  i: number,
  vocab: Set<string>,
  day: (offset: number) => string,
): QuerySpec | null {
  const l = corpus.listings[i]!;
  const city = CITY_INFO.find((c) => c.name === l.city)!;
  const title = corpus.titleWords[i]!.filter((w) => long(w));
  const cityWords = foldWords(l.city).filter((w) => long(w));
  const amenityWords = foldWords(l.amenities.join(" ")).filter((w) => long(w));
  const body = corpus.bodyWords[i]!.filter((w) => long(w));
  const base = { kind, types: [] as string[], amenities: [] as string[], intent: [] as QuerySpec["intent"] };
  const anyWord = () => {
    const pools = [title, cityWords, amenityWords].filter((p) => p.length > 0);
    return pools.length ? rng.pick(rng.pick(pools)) : null;
  };
  const typoWord = () => {
    const w = anyWord();
    return w ? typo(rng, w, vocab) : null;
  };
  const sortOf = (choices: Sort[]) => rng.pick(choices);
  switch (kind) {
    case "typo": {
      const t = typoWord();
      if (!t) return null;
      const second = rng.chance(0.3) && title.length ? rng.pick(title) : null;
      if (second === t.from) return null;
      return {
        ...base,
        q: second ? `${t.to} ${second}` : t.to,
        intent: [{ word: t.from, prefix: false }, ...(second ? [{ word: second, prefix: false }] : [])],
        typo: t,
        sort: sortOf(["relevance", "relevance", "relevance", "newest", "price_asc"]),
      };
    }
    case "typo_filter": {
      const pools = [title, amenityWords].filter((p) => p.length > 0);
      if (!pools.length) return null;
      const t = typo(rng, rng.pick(rng.pick(pools)), vocab);
      if (!t) return null;
      const byCity = rng.chance(0.5);
      return {
        ...base,
        q: t.to,
        intent: [{ word: t.from, prefix: false }],
        typo: t,
        ...(byCity ? { city: l.city } : { types: [l.type] }),
        sort: sortOf(["relevance", "relevance", "price_asc"]),
      };
    }
    case "prefix": {
      const w = rng.pick([...title, ...body]);
      if (!w) return null;
      const prefix = w.slice(0, rng.int(3, Math.min(5, w.length - 1)));
      const other = rng.chance(0.5) ? rng.pick(corpus.titleWords[i]!.filter((x) => long(x, 3) && x !== w)) : undefined;
      return {
        ...base,
        q: other ? `${other} ${prefix}` : prefix,
        intent: [...(other ? [{ word: other, prefix: false }] : []), { word: prefix, prefix: true }],
        sort: "relevance",
      };
    }
    case "multiword": {
      const a = rng.pick(corpus.titleWords[i]!.filter((x) => long(x, 4)));
      const b = rng.pick([...cityWords, ...amenityWords, ...body].filter((x) => x !== a));
      if (!a || !b) return null;
      return {
        ...base,
        q: `${a} ${b}`,
        intent: [
          { word: a, prefix: false },
          { word: b, prefix: false },
        ],
        sort: sortOf(["relevance", "relevance", "newest"]),
      };
    }
    case "geo_radius": {
      const centre = rng.chance(0.5) ? city.centre : { lat: round(l.lat, 3), lng: round(l.lng, 3) };
      const sort = sortOf(["distance", "distance", "relevance", "price_asc", "newest"]);
      return {
        ...base,
        centre,
        radiusKm: round(0.5 + rng.next() * 4.5, 1),
        ...(sort === "price_asc" ? { currency: city.currency } : {}),
        sort,
      };
    }
    case "bbox": {
      const dLat = 0.004 + rng.next() * 0.026;
      const dLng = dLat / Math.cos((l.lat * Math.PI) / 180);
      const text = rng.chance(0.3) ? rng.pick(title) : undefined;
      const sort = sortOf(["newest", "price_asc", "price_desc", "relevance"]);
      return {
        ...base,
        ...(text ? { q: text, intent: [{ word: text, prefix: false }] } : {}),
        bbox: [round(l.lng - dLng, 4), round(l.lat - dLat, 4), round(l.lng + dLng, 4), round(l.lat + dLat, 4)],
        ...(sort.startsWith("price") ? { currency: city.currency } : {}),
        sort,
      };
    }
    case "facets": {
      const types = [l.type, ...(rng.chance(0.4) ? [rng.pick(TYPES.filter((t) => t !== l.type))] : [])];
      const own = [...l.amenities];
      const amenities: string[] = [];
      for (let k = rng.int(1, 3); k > 0 && own.length; k--)
        amenities.push(own.splice(rng.int(0, own.length - 1), 1)[0]!);
      return {
        ...base,
        types,
        amenities,
        ...(rng.chance(0.5) ? { city: l.city } : {}),
        ...(rng.chance(0.3) ? { units: rng.int(1, Math.min(2, l.capacity)) } : {}),
        sort: sortOf(["newest", "price_asc", "price_desc", "relevance"]),
      };
    }
    case "price": {
      const lo = Math.round((l.priceAmount * (0.7 + rng.next() * 0.3)) / 100) * 100;
      const hi = Math.round((l.priceAmount * (1 + rng.next() * 0.3)) / 100) * 100 + 100;
      const which = rng.next();
      return {
        ...base,
        currency: l.currency,
        rentalMode: l.rentalMode,
        ...(which < 0.8 ? { minPrice: lo } : {}),
        ...(which > 0.2 ? { maxPrice: hi } : {}),
        ...(rng.chance(0.6) ? { city: l.city } : {}),
        sort: sortOf(["price_asc", "price_desc", "relevance"]),
      };
    }
    case "dates": {
      const from = rng.int(7, 120);
      const nights = l.rentalMode === "nightly" ? rng.int(1, 30) : rng.int(30, 180);
      const geo = rng.chance(0.5);
      const sort = sortOf(geo ? ["price_asc", "distance", "newest"] : ["price_asc", "newest"]);
      return {
        ...base,
        dates: { from: day(from), to: day(from + nights) },
        units: rng.int(1, l.capacity),
        ...(geo ? { centre: city.centre, radiusKm: rng.int(3, 10) } : { city: l.city }),
        ...(rng.chance(0.5) ? { rentalMode: l.rentalMode } : {}),
        ...(sort === "price_asc" ? { currency: city.currency } : {}),
        sort,
      };
    }
    case "text_geo": {
      const w = anyWord();
      if (!w) return null;
      const t = rng.chance(0.5) ? typo(rng, w, vocab) : null;
      return {
        ...base,
        q: t ? t.to : w,
        intent: [{ word: w, prefix: false }],
        ...(t ? { typo: t } : {}),
        centre: city.centre,
        radiusKm: rng.int(2, 10),
        sort: sortOf(["distance", "relevance"]),
      };
    }
  }
}

/**
 * One typo in `word` (5+ letters): a letter dropped (6+ letters, so what is typed still has the 5
 * letters Roomline's typo tolerance needs), two neighbours swapped, or a letter replaced; never a
 * word the data has (that would be a different word, not a typo).
 */
function typo(rng: Rng, word: string, vocab: Set<string>): QuerySpec["typo"] | null {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let attempt = 0; attempt < 10; attempt++) {
    const op = rng.pick(word.length >= 6 ? (["drop", "swap", "replace"] as const) : (["swap", "replace"] as const));
    const at = rng.int(1, word.length - 2); // keep the first and last letter: the usual typo
    let to: string;
    if (op === "drop") to = word.slice(0, at) + word.slice(at + 1);
    else if (op === "swap") to = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
    else to = word.slice(0, at) + rng.pick([...letters].filter((c) => c !== word[at])) + word.slice(at + 1);
    if (to !== word && !vocab.has(to)) return { op, from: word, to };
  }
  return null;
}

function searchParams(s: QuerySpec): string {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.centre) {
    p.set("lat", String(s.centre.lat));
    p.set("lng", String(s.centre.lng));
  }
  if (s.radiusKm !== undefined) p.set("radiusKm", String(s.radiusKm));
  if (s.bbox) p.set("bbox", s.bbox.join(","));
  if (s.city) p.set("city", s.city);
  for (const t of s.types) p.append("type", t);
  if (s.rentalMode) p.set("rentalMode", s.rentalMode);
  if (s.currency) p.set("currency", s.currency);
  if (s.minPrice !== undefined) p.set("minPrice", String(s.minPrice));
  if (s.maxPrice !== undefined) p.set("maxPrice", String(s.maxPrice));
  for (const a of s.amenities) p.append("amenities", a);
  if (s.units !== undefined) p.set("units", String(s.units));
  if (s.dates) {
    p.set("from", s.dates.from);
    p.set("to", s.dates.to);
  }
  p.set("sort", s.sort);
  p.set("limit", String(LIMIT));
  return p.toString();
}

// ---------------------------------------------------------------------------------------------
// Exact answers and recall

/** Whether listing `i` passes every filter of `s` but the text (at bench time no room has a booking, so dates filter nothing). */
function passesFilters(c: Corpus, i: number, s: QuerySpec): boolean {
  const l = c.listings[i]!;
  if (!l.active) return false;
  if (s.city && l.city.toLowerCase() !== s.city.toLowerCase()) return false;
  if (s.types.length && !s.types.includes(l.type)) return false;
  if (s.rentalMode && l.rentalMode !== s.rentalMode) return false;
  if (s.currency && l.currency !== s.currency) return false;
  if (s.minPrice !== undefined && l.priceAmount < s.minPrice) return false;
  if (s.maxPrice !== undefined && l.priceAmount > s.maxPrice) return false;
  if ((s.units ?? 1) > l.capacity) return false;
  if (s.amenities.length) {
    const has = c.amenities[c.prop[i]!]!;
    if (!s.amenities.every((a) => has.has(a))) return false;
  }
  if (s.bbox) {
    const [minLng, minLat, maxLng, maxLat] = s.bbox;
    if (l.lat < minLat || l.lat > maxLat || l.lng < minLng || l.lng > maxLng) return false;
  }
  if (s.centre && s.radiusKm !== undefined && distanceKm(s.centre, l) > s.radiusKm) return false;
  return true;
}

/** The exact answer: properties with a room that passes the filters and has every word the query meant. */
function exactAnswer(c: Corpus, s: QuerySpec): Set<string> {
  let candidates: Iterable<number>;
  if (s.intent.length) {
    const n = c.listings.length;
    const hits = new Uint8Array(n);
    for (const term of s.intent) {
      const mark = new Uint8Array(n);
      const lists = term.prefix
        ? [...c.postings.entries()].filter(([w]) => w.startsWith(term.word)).map(([, l]) => l)
        : [c.postings.get(term.word) ?? []];
      for (const list of lists) for (const i of list) mark[i] = 1;
      for (let i = 0; i < n; i++) hits[i]! += mark[i]!;
    }
    const want = s.intent.length;
    candidates = (function* () {
      for (let i = 0; i < n; i++) if (hits[i] === want) yield i;
    })();
  } else candidates = c.listings.keys();
  const out = new Set<string>();
  for (const i of candidates) if (passesFilters(c, i, s)) out.add(c.propertyIds[c.prop[i]!]!);
  return out;
}

/** |top 10 ∩ exact| / min(10, |exact|); null without an exact answer (or without an answer from the engine: counted as 0). */
function recallAt10(top: string[] | null, exact: Set<string>): number | null {
  if (exact.size === 0) return null;
  if (!top) return 0;
  const first = [...new Set(top)].slice(0, LIMIT);
  return first.filter((id) => exact.has(id)).length / Math.min(LIMIT, exact.size);
}

// ---------------------------------------------------------------------------------------------
// Roomline over HTTP

interface Hit {
  propertyId: string;
  roomIds: string[];
}
interface Answer {
  status: number;
  body: string;
  total: number;
  hits: Hit[] | null;
}

async function timedPass(
  client: HttpClient,
  urls: string[],
  inFlight: number,
  say: (line: string) => void,
): Promise<{ ms: number[]; wallMs: number; answers: Answer[] }> {
  const ms = new Array<number>(urls.length);
  const started = performance.now();
  let done = 0;
  let reported = started;
  const answers = await pooled(
    urls.map((url, i) => async (): Promise<Answer> => {
      const res = await client.send("GET", url);
      ms[i] = res.ms;
      done++;
      if (performance.now() - reported > PROGRESS_MS) {
        reported = performance.now();
        say(`    … ${done}/${urls.length} after ${seconds(started)} s`);
      }
      if (res.status !== 200) return { status: res.status, body: res.error ?? res.body, total: 0, hits: null };
      const body = JSON.parse(res.body) as {
        items: { property: { id: string }; rooms: { id: string }[] }[];
        total: number;
      };
      return {
        status: 200,
        body: "",
        total: body.total,
        hits: body.items.map((it) => ({ propertyId: it.property.id, roomIds: it.rooms.map((r) => r.id) })),
      };
    }),
    inFlight,
  );
  return { ms, wallMs: performance.now() - started, answers };
}

// ---------------------------------------------------------------------------------------------
// Orama

const ORAMA_SCHEMA = {
  title: "string",
  text: "string",
  cityKey: "enum",
  type: "enum",
  rentalMode: "enum",
  currency: "enum",
  amenityTags: "enum[]",
  price: "number",
  capacity: "number",
  listedAt: "number",
  location: "geopoint",
} as const;
type OramaDb = Orama<typeof ORAMA_SCHEMA>;

/**
 * One Orama document per listing (room), as Roomline indexes them, with the same folded text (so
 * "Neukölln" and "bills_included" are the same words to both engines; Orama's English tokenizer
 * would split the first at "ö" and keep the second whole). Two text fields: `title` (title and room
 * name) and `text` (those, city, amenities and description, Roomline's title and body together):
 * with `threshold: 0` Orama returns only documents that have every word of the query in one field,
 * so the words must share a field to be ANDed as Roomline ANDs them (with one field per source,
 * "auckland shared" would need both in the city or both in the description). `propertyId` is
 * stored, not indexed, for `distinctOn`. Only number fields are sortable (Orama would otherwise
 * build sort indexes for the text fields too).
 */
async function buildOrama(cat: Catalog): Promise<OramaDb> {
  const db = create({
    schema: ORAMA_SCHEMA,
    sort: { unsortableProperties: ["title", "text"] },
  });
  const docs = cat.listings.map((l) => ({
    id: l.roomId,
    propertyId: l.propertyId,
    title: l.searchTitle.trim(),
    text: `${l.searchTitle.trim()} ${l.searchBody.trim()}`,
    cityKey: l.city,
    type: l.type,
    rentalMode: l.rentalMode,
    currency: l.currency,
    amenityTags: l.amenities,
    price: l.priceAmount,
    capacity: l.capacity,
    listedAt: Date.parse(l.listedAt),
    location: { lat: l.lat, lon: l.lng },
  }));
  await insertMultiple(db, docs, 1000);
  return db;
}

/** Price facet ranges per currency, like Roomline's buckets: 25.00 wide up to the dearest night, 100.00 above. */
function priceRanges(cat: Catalog): Map<string, { from: number; to: number }[]> {
  const out = new Map<string, { from: number; to: number }[]>();
  for (const currency of new Set(cat.listings.map((l) => l.currency))) {
    const of = cat.listings.filter((l) => l.currency === currency);
    const nightMax = Math.max(0, ...of.filter((l) => l.rentalMode === "nightly").map((l) => l.priceAmount));
    const max = Math.max(...of.map((l) => l.priceAmount));
    const ranges: { from: number; to: number }[] = [];
    for (let from = 0; from <= nightMax; from += 2_500) ranges.push({ from, to: from + 2_499 });
    for (let from = Math.ceil((nightMax + 1) / 10_000) * 10_000; from <= max; from += 10_000)
      ranges.push({ from, to: from + 9_999 });
    out.set(currency, ranges);
  }
  return out;
}

/**
 * The query in Orama's API: the text with `tolerance: 1` and `threshold: 0` (every word) over
 * `text` and `title` (title boosted, as Roomline scores a title word above a description word;
 * Orama's default, `threshold: 1`, returns documents with any of the words), filters in `where`, radius and
 * viewport (a polygon) on the geopoint, one hit per property (`distinctOn`), facets like
 * Roomline's, and the sort (distance by a custom comparator: Orama sorts by distance only in
 * geo-only queries).
 */
function oramaParamsFor(s: QuerySpec, ranges: Map<string, { from: number; to: number }[]>): SearchParams<OramaDb> {
  const where: Record<string, unknown> = {};
  if (s.city) where.cityKey = { eq: s.city };
  if (s.types.length) where.type = { in: s.types };
  if (s.rentalMode) where.rentalMode = { eq: s.rentalMode };
  if (s.currency) where.currency = { eq: s.currency };
  if (s.minPrice !== undefined || s.maxPrice !== undefined)
    where.price = { between: [s.minPrice ?? 0, s.maxPrice ?? Number.MAX_SAFE_INTEGER] };
  if (s.amenities.length) where.amenityTags = { containsAll: s.amenities };
  if (s.units !== undefined) where.capacity = { gte: s.units };
  const geo: Record<string, unknown>[] = [];
  if (s.centre && s.radiusKm !== undefined)
    geo.push({
      location: {
        radius: { coordinates: { lat: s.centre.lat, lon: s.centre.lng }, value: s.radiusKm, unit: "km", inside: true },
      },
    });
  if (s.bbox) {
    const [w, south, e, n] = s.bbox;
    geo.push({
      location: {
        polygon: {
          coordinates: [
            { lat: south, lon: w },
            { lat: south, lon: e },
            { lat: n, lon: e },
            { lat: n, lon: w },
          ],
          inside: true,
        },
      },
    });
  }
  if (geo.length === 1) Object.assign(where, geo[0]);
  else if (geo.length > 1) where.and = geo;
  const facets: Record<string, unknown> = {
    type: {},
    amenityTags: { limit: 30 },
    cityKey: {},
    rentalMode: {},
    ...(s.currency ? { price: { ranges: ranges.get(s.currency) ?? [] } } : {}),
  };
  const centre = s.centre;
  const sortBy =
    s.sort === "price_asc" || s.sort === "price_desc"
      ? { property: "price", order: s.sort === "price_asc" ? "ASC" : "DESC" }
      : s.sort === "newest" || (s.sort === "relevance" && !s.q)
        ? { property: "listedAt", order: "DESC" }
        : s.sort === "distance" && centre
          ? (a: [number, number, { location: { lat: number; lon: number } }], b: typeof a) =>
              distanceKm(centre, { lat: a[2].location.lat, lng: a[2].location.lon }) -
              distanceKm(centre, { lat: b[2].location.lat, lng: b[2].location.lon })
          : undefined;
  return {
    ...(s.q ? { term: s.q, tolerance: 1, properties: [...ORAMA_TEXT_FIELDS], boost: { title: 2 }, threshold: 0 } : {}),
    where,
    facets,
    limit: LIMIT,
    distinctOn: "propertyId",
    ...(sortBy ? { sortBy } : {}),
  } as SearchParams<OramaDb>;
}

/**
 * The queries in order, one after another, until `budgetMs` is spent (a query that has started runs
 * to its end). The mix is in random order, so the queries answered are a random sample of it.
 */
async function runOrama(
  db: OramaDb,
  specs: QuerySpec[],
  ranges: Map<string, { from: number; to: number }[]>,
  budgetMs: number,
  say: (line: string) => void,
): Promise<{
  ms: number[];
  counts: number[];
  wallMs: number;
  hits: (Hit[] | null)[];
  failures: { kind: Kind; error: string }[];
}> {
  const ms: number[] = [];
  const counts: number[] = [];
  const hits: (Hit[] | null)[] = [];
  const failures: { kind: Kind; error: string }[] = [];
  const started = performance.now();
  let busy = 0;
  let reported = started;
  for (const s of specs) {
    if (busy >= budgetMs) break;
    const params = oramaParamsFor(s, ranges);
    const t = performance.now();
    try {
      const r = await oramaSearch(db, params);
      ms.push(performance.now() - t);
      counts.push(r.count);
      hits.push(
        r.hits.map((h) => {
          const doc = h.document as unknown as { propertyId: string };
          return { propertyId: doc.propertyId, roomIds: [String(h.id)] };
        }),
      );
    } catch (err) {
      ms.push(performance.now() - t);
      counts.push(0);
      hits.push(null);
      failures.push({ kind: s.kind, error: err instanceof Error ? err.message : String(err) });
    }
    busy += ms.at(-1)!;
    // Let signals (Ctrl-C) and I/O in between queries: Orama answers synchronously.
    await new Promise((resolve) => setImmediate(resolve));
    if (performance.now() - reported > PROGRESS_MS) {
      reported = performance.now();
      say(`    … ${ms.length}/${specs.length} after ${seconds(started)} s`);
    }
  }
  return { ms, counts, wallMs: busy, hits, failures };
}

// ---------------------------------------------------------------------------------------------
// Indexing lag

/**
 * Lists a property with a room through the API, `samples` times, and polls search for its unique
 * word every 50 ms from the room's 201 until it shows: the outbox event, the local queue
 * (max_batch_timeout 1 s) and the listing consumer's D1 batch.
 */
async function measureLag(
  api: string,
  samples: number,
  say: (line: string) => void,
): Promise<SearchBenchResult["lag"]> {
  const client = httpClient(2);
  const session = await sendJson<{ accessToken: string }>(client, "POST", `${api}/v1/auth/register`, 201, {
    body: {
      email: `search-bench-lag-${Date.now()}@example.com`,
      password: `Lag-${crypto.randomUUID()}`,
      name: "Search Lag Landlord",
      role: "landlord",
    },
  });
  const headers = { authorization: `Bearer ${session.accessToken}` };
  const lags: number[] = [];
  let timedOut = 0;
  for (let k = 0; k < samples; k++) {
    const word = `zqlag${Date.now()
      .toString(36)
      .replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)]!)}${"abcdefghij"[k % 10]}`;
    const property = await sendJson<{ id: string }>(client, "POST", `${api}/v1/properties`, 201, {
      headers,
      body: {
        title: `Lag probe ${word}`,
        description: "Three rooms, shared kitchen.",
        type: "apartment",
        address: { line1: "Rua Augusta 10", city: "Lisbon", postalCode: "1100-053", country: "PT" },
        location: { lat: 38.7108, lng: -9.1369 },
        amenities: ["wifi", "washer"],
        timezone: "Europe/Lisbon",
      },
    });
    await sendJson(client, "POST", `${api}/v1/properties/${property.id}/rooms`, 201, {
      headers,
      body: {
        name: "Room A",
        capacity: 2,
        rentalMode: "monthly",
        price: { amount: 65000, currency: "EUR" },
        deposit: { amount: 65000, currency: "EUR" },
      },
    });
    const started = performance.now();
    let seen = false;
    while (performance.now() - started < LAG_TIMEOUT_MS) {
      const res = await client.send("GET", `${api}/v1/search?q=${word}`);
      if (
        res.status === 200 &&
        (JSON.parse(res.body) as { items: { property: { id: string } }[] }).items.some(
          (i) => i.property.id === property.id,
        )
      ) {
        seen = true;
        break;
      }
      await sleep(LAG_POLL_MS);
    }
    const ms = performance.now() - started;
    if (seen) lags.push(round(ms, 0));
    else timedOut++;
    say(`    sample ${k + 1}: ${seen ? `${round(ms, 0)} ms` : `not searchable after ${LAG_TIMEOUT_MS / 1000} s`}`);
  }
  client.close();
  return {
    samples: lags,
    medianMs: lags.length ? percentile(lags, 50) : null,
    maxMs: lags.length ? Math.max(...lags) : null,
    timedOut,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? round(v.reduce((a, b) => a + b, 0) / v.length, 3) : null;
}

export function searchTables(r: SearchBenchResult): string {
  const rl = r.roomline;
  const o = r.orama;
  const main = table(
    ["engine", "listings", "queries", "p50 ms", "p95 ms", "p99 ms", "q/s", "recall@10", "index/seed s", "errors"],
    [
      [
        "Roomline API, 1 in flight",
        r.listings,
        r.queries,
        rl.sequential.p50,
        rl.sequential.p95,
        rl.sequential.p99,
        rl.sequential.qps,
        rl.recallAt10,
        round(r.seeding.ms / 1000),
        rl.errors,
      ],
      [
        `Roomline API, ${rl.concurrent.inFlight} in flight`,
        r.listings,
        rl.concurrent.queries,
        rl.concurrent.p50,
        rl.concurrent.p95,
        rl.concurrent.p99,
        rl.concurrent.qps,
        "",
        "",
        "",
      ],
      [
        "Roomline API, Orama's queries",
        r.listings,
        o.answered,
        rl.onOramaQueries.p50,
        rl.onOramaQueries.p95,
        rl.onOramaQueries.p99,
        "",
        rl.onOramaQueries.recallAt10,
        "",
        "",
      ],
      [
        "Orama in-process",
        r.listings,
        o.answered,
        o.p50,
        o.p95,
        o.p99,
        o.qps,
        o.recallAt10,
        round(o.buildMs / 1000),
        o.errors,
      ],
    ],
  );
  const kinds = table(
    [
      "kind",
      "n",
      "exact>0",
      "exact median",
      "Roomline p50",
      "p95",
      "p99",
      "recall",
      "Orama n",
      "p50",
      "p95",
      "p99",
      "recall",
    ],
    Object.entries(r.byKind).map(([kind, k]) => [
      kind,
      k.n,
      k.withExact,
      k.medianExactProperties,
      k.roomline.p50,
      k.roomline.p95,
      k.roomline.p99,
      k.roomline.recallAt10,
      k.orama.n,
      k.orama.n ? k.orama.p50 : null,
      k.orama.n ? k.orama.p95 : null,
      k.orama.n ? k.orama.p99 : null,
      k.orama.recallAt10,
    ]),
  );
  const typos = Object.entries(r.recallByTypo)
    .map(([op, t]) => `${op}: Roomline ${t.roomline ?? "—"} (${t.n}), Orama ${t.orama ?? "—"} (${t.oramaN})`)
    .join("; ");
  const lag = r.lag;
  return [
    main,
    "",
    `  Latency in ms: Roomline from send to last byte over HTTP (1 in flight: every query; ${rl.concurrent.inFlight} in flight: the first ${rl.concurrent.queries} again);`,
    `  Orama the call itself in this process, no HTTP, no worker: the first ${o.answered} of the ${r.queries} queries, until its ${o.budgetMs / 1000} s budget was spent.`,
    `  recall@10 over queries with a non-empty exact answer (Roomline: ${rl.recallQueries}; Orama: ${o.recallQueries}).`,
    "",
    kinds,
    "",
    `  Typo recall@10 by typo (queries): ${typos}`,
    `  Seeding D1: ${r.seeding.statements} statements, ${r.seeding.megabytes} MB in ${r.seeding.files} files, ${round(r.seeding.ms / 1000)} s; Orama index ${round(o.buildMs / 1000)} s (+${o.heapUsedMiB} MiB heap)`,
    `  Hits violating the filters: Roomline ${rl.filterViolations}, Orama ${o.filterViolations}; Roomline totals below the exact count: ${rl.totalBelowExact.length}`,
    `  Indexing lag (POST room → in search): median ${lag.medianMs ?? "—"} ms, max ${lag.maxMs ?? "—"} ms over ${lag.samples.length} samples${lag.timedOut ? `, ${lag.timedOut} not searchable within ${LAG_TIMEOUT_MS / 1000} s` : ""}`,
    `  Slowest Roomline queries: ${rl.slowest
      .slice(0, 5)
      .map((s) => `${s.kind} ${s.ms} ms`)
      .join(", ")}`,
    `  Load average (1 min) at start / after Roomline / after Orama: ${r.loadAverage.start} / ${r.loadAverage.afterRoomline} / ${r.loadAverage.afterOrama} (2 cores; more than ~1.5 means other work competed)`,
    `  Slowest Orama queries: ${o.slowest
      .slice(0, 5)
      .map((s) => `${s.kind} ${s.ms} ms`)
      .join(", ")}`,
  ].join("\n");
}
