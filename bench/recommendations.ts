/**
 * Recommendations benchmark: an offline evaluation of `GET /v1/recommendations` on a simulated
 * population. A catalogue of BENCH_RECO_LISTINGS rooms is generated with the demo seed's generator
 * (scripts/seed.ts `buildDemoData`, one seed per batch, re-numbered), written into the bench
 * worker's local D1 with `wrangler d1 execute --file` (as bench/outbox.ts does) with one unsent
 * `listing.changed` outbox row per property (`listingEvents`), and the five-minute cron is run
 * until the listing consumer (the way vectors reach the index) has put every room's vector into the
 * local vector index. Then BENCH_RECO_TENANTS tenants, each with a hidden taste (a city, a per-night
 * budget band, 2–3 amenities, a type and a rental mode), make 10–20 interactions mostly drawn from
 * their taste; the first 80% (by time) go into D1 as their history, the last 20% are held out.
 * Each tenant's top 10 over the HTTP API is compared with what they did next (hit-rate@10,
 * NDCG@10), beside popularity and random baselines over the same training data. The method is in
 * bench/README.md ("Recommendations benchmark"). Nothing here reads the recommender's code, except
 * the in-process analysis at the end, which replays its blend over the same vectors to explain the
 * figures.
 */
import { readdirSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { favourites, interactions, listings, outbox, properties, rooms, users } from "../schema/d1";
import { listingVector } from "../workers/domain/listing-vector";
import {
  buildDemoData,
  createRng,
  insertStatements,
  listingEvents,
  listingOf,
  searchIndexStatements,
  seedId,
  type ListingRow,
  type PropertyRow,
  type Rng,
  type RoomRow,
  type UserRow,
} from "../scripts/seed";
import { httpClient, pooled, type HttpClient } from "./http";
import { applySql, localD1File, mergeInserts } from "./local-d1";
import type { Platform } from "./platform";
import { sleep } from "./processes";
import { percentile, round, table, latency, type Latency } from "./stats";
import { mintTenants, tokenSettingsFromWranglerToml } from "./tokens";

export interface RecommendationsOptions {
  /** Rooms (listings) to generate. */
  listings: number;
  /** Simulated tenants. */
  tenants: number;
  /** Requests in flight in the concurrent pass. */
  concurrency: number;
  seed: number;
  /** Give up waiting for the listing consumer after this long (the evaluation then runs on a partial index). */
  indexTimeoutMs: number;
}

/** Quality of one recommender, over the tenants with something relevant held out. */
interface Quality {
  tenants: number;
  hitRateAt10: number;
  /** Half-width of the 95% interval of the hit rate (normal approximation). */
  hitRateCi95: number;
  ndcgAt10: number;
}

interface Rec {
  name: string;
  /** Held-out properties less the ones saved in training (the headline). */
  heldOut: Quality;
  /** The same, less every property the tenant interacted with in training (what is new to them). */
  unseen: Quality;
}

export interface RecommendationsResult {
  listings: number;
  properties: number;
  tenants: number;
  seed: number;
  seeding: { ms: number; files: number; megabytes: number; statements: number };
  indexing: {
    /** From the first cron run to every room's vector in the local index. */
    ms: number;
    complete: boolean;
    cronRuns: number;
    /** Cron runs that answered an error (a job other than the sweep can fail one; the sweep's progress is read from the outbox). */
    cronFailures: number;
    roomsIndexed: number;
    /** The catalogue's events with a `done` row in processed_events (0 when the consumer handles them as a batch, without claims). */
    eventsDone: number;
    events: number;
    roomsPerSecond: number;
    /** Rows in the local vector index's SQLite file afterwards (all benches' vectors), or null if unreadable. */
    vectorsInIndex: number | null;
    /** How long the queue took to go quiet before seeding (events of earlier benches still being consumed). */
    quietWaitMs: number;
  };
  population: {
    interactions: number;
    training: number;
    heldOut: number;
    favouritesInTraining: number;
    /** Held-out interactions whose property was saved in training: relevant to nobody (see README). */
    heldOutSavedInTraining: number;
    /** Held-out interactions on a property the tenant already viewed or booked in training. */
    heldOutSeenInTraining: number;
    tenantsWithRelevant: number;
    tenantsWithUnseenRelevant: number;
    poolSize: { p10: number; median: number; p90: number };
    /** Tenants whose taste had to be relaxed to reach MIN_POOL matching properties, by level. */
    relaxed: Record<string, number>;
  };
  quality: Rec[];
  roomline: {
    sequential: Latency & { wallMs: number; rps: number };
    concurrent: Latency & { inFlight: number; wallMs: number; rps: number };
    errors: number;
    failures: { status: number; body: string }[];
    /** Tenants whose two passes answered different rooms (the ranking decays with the clock, so a few are possible). */
    passesDiffer: number;
    itemsPerAnswer: number;
    answersUnder10: number;
    distinctPropertiesInTop10: number;
    /** Shares of the items answered: in the tenant's hidden city, matching their whole hidden taste, already interacted with in training. */
    inTasteCity: number;
    inTastePool: number;
    alreadyInteracted: number;
    /** Items not in this benchmark's catalogue (other benches' listings, in a full run). */
    foreign: number;
  };
  analysis: Analysis;
}

const LIMIT = 10;
const MINUTE = 60_000;
const DAY = 86_400_000;
const CRON = "*/5 * * * *";
/** Properties' ids and times start here, a minute apart: older than anything else the bench writes, so their event ids form their own range. */
const RECO_EPOCH = Date.UTC(2024, 2, 1, 8, 0, 0);
const POLL_MS = 2000;
/** The listing consumer's progress is printed this often. */
const PROGRESS_MS = 30_000;

// Population (documented in bench/README.md)
const HISTORY_DAYS = 60;
const INTERACTIONS = [10, 20] as const;
const BOOKINGS = [1, 2] as const;
const FAVOURITES = [2, 4] as const;
/** Share of fresh draws from the tenant's taste; the rest is noise from the whole catalogue. */
const TASTE_SHARE = 0.8;
/** Chance that a favourite or booking is of a property the tenant viewed before (a funnel), when there is one. */
const FUNNEL = 0.5;
/** Share of each tenant's interactions, oldest first, written as history. */
const TRAIN_SHARE = 0.8;
/** The budget band around the anchor room's per-night price. */
const BAND = [0.75, 1.33] as const;
/** A taste is relaxed (fewer amenities, a wider band, any type) until this many properties match it. */
const MIN_POOL = 25;
/** Spread of the log of each property's appeal (lognormal): how much more some listings get interacted with. */
const APPEAL_SIGMA = 1;

interface Catalog {
  landlord: UserRow;
  properties: PropertyRow[];
  rooms: RoomRow[];
  listings: ListingRow[];
  /** Room indexes of each property index. */
  roomsOf: number[][];
  propertyIndex: Map<string, number>;
  /** Property index of each room index. */
  propertyOfRoom: number[];
}

interface Taste {
  city: string;
  type: string;
  mode: string;
  /** Per-night price range, in minor units of the city's currency (a month is 30 nights). */
  band: [number, number];
  amenities: string[];
  /** Property indexes matching the taste (relaxed if needed). */
  pool: number[];
  relaxLevel: number;
}

interface Interaction {
  kind: "view" | "favourite" | "booking";
  property: number;
  at: number;
}

interface Tenant {
  id: string;
  taste: Taste;
  train: Interaction[];
  heldOut: Interaction[];
  /** Held-out property ids less those saved in training. */
  relevant: Set<string>;
  /** `relevant` less everything interacted with in training. */
  unseen: Set<string>;
  savedIds: Set<string>;
  trainedIds: Set<string>;
  /** The city most of the training interactions are in. */
  topCity: string;
}

export async function runRecommendationsBench(
  platform: Platform,
  o: RecommendationsOptions,
  say: (line: string) => void,
): Promise<RecommendationsResult> {
  let started = performance.now();
  const cat = generateCatalog(o.listings, o.seed);
  say(
    `  ${cat.listings.length} listings in ${cat.properties.length} properties generated (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const now = Date.now();
  const tenants = generatePopulation(cat, o.tenants, o.seed, now);
  const pools = tenants.map((t) => t.taste.pool.length);
  say(
    `  ${tenants.length} tenants, ${tenants.reduce((s, t) => s + t.train.length + t.heldOut.length, 0)} interactions; taste pools: median ${percentile(pools, 50)} properties (p10 ${percentile(pools, 10)}, p90 ${percentile(pools, 90)})`,
  );

  const db = new DatabaseSync(localD1File(platform), { readOnly: true });
  try {
    const quietWaitMs = await waitForQuietQueue(db, say);
    const seeding = await seedD1(platform, cat, tenants, say);
    const indexing = await indexThroughConsumer(platform, db, cat, o.indexTimeoutMs, say);
    indexing.quietWaitMs = quietWaitMs;

    // Tokens after indexing, which can take longer than their hour.
    const tokens = tokenSettingsFromWranglerToml(join(platform.projectDir, "wrangler.toml"));
    const minted = await mintTenants(platform.secrets.JWT_PRIVATE_KEYS!, tokens, tenants.length);
    minted.forEach((m, i) => {
      if (m.id !== tenants[i]!.id) throw new Error(`minted ${m.id}, expected ${tenants[i]!.id}`);
    });
    const url = `${platform.api}/v1/recommendations?limit=${LIMIT}`;
    const client = httpClient(o.concurrency);
    await client.warm(`${platform.api}/bench-warm-up`, o.concurrency);
    for (const m of minted.slice(0, 20)) await ask(client, url, m.token); // warm the isolate and the index
    say(`  Roomline: ${tenants.length} tenants one at a time…`);
    const seq = await pass(client, url, minted, 1);
    say(
      `    ${(seq.wallMs / 1000).toFixed(1)} s, p50 ${round(percentile(seq.ms, 50))} ms, p95 ${round(percentile(seq.ms, 95))} ms`,
    );
    say(`  Roomline: ${tenants.length} tenants, ${o.concurrency} in flight…`);
    const con = await pass(client, url, minted, o.concurrency);
    say(
      `    ${(con.wallMs / 1000).toFixed(1)} s, p50 ${round(percentile(con.ms, 50))} ms, p95 ${round(percentile(con.ms, 95))} ms`,
    );
    client.close();

    started = performance.now();
    const result = evaluate(cat, tenants, seq, con, o);
    const analysis = analyse(cat, tenants, con.answers, now);
    say(`  evaluated and analysed in process (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return {
      listings: cat.listings.length,
      properties: cat.properties.length,
      tenants: tenants.length,
      seed: o.seed,
      seeding,
      indexing,
      population: populationReport(tenants),
      ...result,
      analysis,
    };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/**
 * `n` rooms from the demo generator: `buildDemoData` with one seed per batch (six cities, 40
 * properties each, 1–4 rooms), re-numbered so ids are unique and start at RECO_EPOCH, one landlord.
 */
function generateCatalog(n: number, seed: number): Catalog {
  const at0 = new Date(RECO_EPOCH).toISOString();
  const landlord: UserRow = {
    id: seedId("usr", RECO_EPOCH, 0),
    email: "reco-bench-landlord@bench.roomline.dev",
    name: "Recommendations Bench Landlord",
    role: "landlord",
    locale: null,
    passwordHash: "bench-no-login", // no valid hash: nobody signs in as this user
    createdAt: at0,
    updatedAt: at0,
  };
  const cat: Catalog = {
    landlord,
    properties: [],
    rooms: [],
    listings: [],
    roomsOf: [],
    propertyIndex: new Map(),
    propertyOfRoom: [],
  };
  for (let batch = 0; cat.rooms.length < n; batch++) {
    const demo = buildDemoData(seed * 7919 + 104_729 + batch);
    const byProperty = new Map<string, RoomRow[]>();
    for (const r of demo.rooms) byProperty.set(r.propertyId, [...(byProperty.get(r.propertyId) ?? []), r]);
    for (const p of demo.properties) {
      if (cat.rooms.length >= n) break;
      const pi = cat.properties.length;
      const at = RECO_EPOCH + (pi + 1) * MINUTE;
      const property: PropertyRow = {
        ...p,
        id: seedId("prop", at, pi),
        ownerId: landlord.id,
        createdAt: new Date(at).toISOString(),
        updatedAt: new Date(at).toISOString(),
      };
      cat.properties.push(property);
      cat.propertyIndex.set(property.id, pi);
      cat.roomsOf.push([]);
      for (const [k, r] of (byProperty.get(p.id) ?? []).entries()) {
        if (cat.rooms.length >= n) break;
        const rat = at + (k + 1) * 1000;
        const room: RoomRow = {
          ...r,
          id: seedId("room", rat, cat.rooms.length),
          propertyId: property.id,
          createdAt: new Date(rat).toISOString(),
          updatedAt: new Date(rat).toISOString(),
        };
        cat.roomsOf[pi]!.push(cat.rooms.length);
        cat.propertyOfRoom.push(pi);
        cat.rooms.push(room);
        cat.listings.push(listingOf(property, room));
      }
    }
  }
  return cat;
}

const perNight = (r: RoomRow) => r.priceAmount / (r.rentalMode === "monthly" ? 30 : 1);

// ---------------------------------------------------------------------------------------------
// Population

/**
 * Each tenant's hidden taste comes from an anchor room picked at random: its city, its property's
 * type, its rental mode, a per-night budget band of BAND around its price and 2–3 of its property's
 * amenities (never wifi, which every demo property has). The properties matching the taste form
 * its pool, relaxed step by step when fewer than MIN_POOL match. Interactions: see README.
 */
function generatePopulation(cat: Catalog, count: number, seed: number, now: number): Tenant[] {
  const rng = createRng(seed * 31 + 7);
  const appeal = cat.properties.map(() => Math.exp(APPEAL_SIGMA * gaussian(rng)));
  const global = cumulative(appeal);
  const byCity = new Map<string, number[]>();
  cat.properties.forEach((p, i) => byCity.set(p.city, [...(byCity.get(p.city) ?? []), i]));
  const tenants: Tenant[] = [];
  for (let t = 0; t < count; t++) {
    const anchorRoom = rng.int(0, cat.rooms.length - 1);
    const room = cat.rooms[anchorRoom]!;
    const property = cat.properties[cat.propertyOfRoom[anchorRoom]!]!;
    const wanted = rng.int(2, 3);
    const amenities = shuffle(
      rng,
      property.amenities.filter((a) => a !== "wifi"),
    ).slice(0, wanted);
    const price = perNight(room);
    const taste: Taste = {
      city: property.city,
      type: property.type,
      mode: room.rentalMode,
      band: [price * BAND[0], price * BAND[1]],
      amenities,
      pool: [],
      relaxLevel: 0,
    };
    [taste.pool, taste.relaxLevel] = poolOf(cat, byCity.get(property.city)!, taste);
    const poolCum = cumulative(taste.pool.map((i) => appeal[i]!));

    const n = rng.int(...INTERACTIONS);
    const nBookings = rng.int(...BOOKINGS);
    const nFavourites = rng.int(...FAVOURITES);
    const kinds = shuffle(rng, [
      ...Array<"booking">(nBookings).fill("booking"),
      ...Array<"favourite">(nFavourites).fill("favourite"),
      ...Array<"view">(n - nBookings - nFavourites).fill("view"),
    ]);
    const times = Array.from(
      { length: n },
      () => now - HISTORY_DAYS * DAY + rng.next() * (HISTORY_DAYS * DAY - 3_600_000),
    )
      .map(Math.round)
      .sort((a, b) => a - b);
    const touched = new Set<number>();
    const viewed: number[] = [];
    const used = { favourite: new Set<number>(), booking: new Set<number>() };
    const fresh = (): number => {
      const fromTaste = rng.chance(TASTE_SHARE) && taste.pool.some((i) => !touched.has(i));
      for (let tries = 0; ; tries++) {
        const i = fromTaste ? taste.pool[draw(rng, poolCum)]! : draw(rng, global);
        if (!touched.has(i) || tries > 10_000) return i;
      }
    };
    const history: Interaction[] = kinds.map((kind, k) => {
      let property: number;
      const again = kind === "view" ? [] : viewed.filter((i) => !used[kind].has(i));
      if (again.length && rng.chance(FUNNEL)) property = rng.pick(again);
      else property = fresh();
      touched.add(property);
      if (kind === "view") viewed.push(property);
      else used[kind].add(property);
      return { kind, property, at: times[k]! };
    });
    const split = Math.floor(n * TRAIN_SHARE);
    const train = history.slice(0, split);
    const heldOut = history.slice(split);
    const id = (i: number) => cat.properties[i]!.id;
    const savedIds = new Set(train.filter((i) => i.kind === "favourite").map((i) => id(i.property)));
    const trainedIds = new Set(train.map((i) => id(i.property)));
    const relevant = new Set(heldOut.map((i) => id(i.property)).filter((p) => !savedIds.has(p)));
    const cities = new Map<string, number>();
    for (const i of train) {
      const city = cat.properties[i.property]!.city;
      cities.set(city, (cities.get(city) ?? 0) + 1);
    }
    tenants.push({
      id: `usr_bench${String(t).padStart(12, "0")}`, // bench/tokens.ts mintTenants' subjects
      taste,
      train,
      heldOut,
      relevant,
      unseen: new Set([...relevant].filter((p) => !trainedIds.has(p))),
      savedIds,
      trainedIds,
      topCity: [...cities.entries()].sort((a, b) => b[1] - a[1])[0]![0],
    });
  }
  return tenants;
}

/**
 * The properties of `cityProps` matching `taste`: its type, a room of its rental mode within its
 * band, all its amenities. Relaxed while fewer than MIN_POOL match: 1 amenity fewer, then none, then
 * the band widened to half..double, then any type. Returns the pool and the level used.
 */
function poolOf(cat: Catalog, cityProps: number[], taste: Taste): [number[], number] {
  const levels = [
    { amenities: taste.amenities.length, band: 1, anyType: false },
    { amenities: taste.amenities.length - 1, band: 1, anyType: false },
    { amenities: 0, band: 1, anyType: false },
    { amenities: 0, band: 2, anyType: false },
    { amenities: 0, band: 2, anyType: true },
  ];
  let pool: number[] = [];
  for (const [level, l] of levels.entries()) {
    const [lo, hi] = l.band === 1 ? taste.band : [taste.band[0] / BAND[0] / 2, (taste.band[1] / BAND[1]) * 2];
    pool = cityProps.filter((pi) => {
      const p = cat.properties[pi]!;
      if (!l.anyType && p.type !== taste.type) return false;
      if (taste.amenities.filter((a) => p.amenities.includes(a)).length < l.amenities) return false;
      return cat.roomsOf[pi]!.some((ri) => {
        const r = cat.rooms[ri]!;
        const price = perNight(r);
        return r.rentalMode === taste.mode && price >= lo && price <= hi;
      });
    });
    if (pool.length >= MIN_POOL) return [pool, level];
  }
  return [pool, levels.length - 1];
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  return out;
}

/** An index drawn with probability proportional to its weight (`cum` from `cumulative`). */
function draw(rng: Rng, cum: Float64Array): number {
  const x = rng.next() * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function populationReport(tenants: Tenant[]): RecommendationsResult["population"] {
  const pools = tenants.map((t) => t.taste.pool.length);
  const relaxed: Record<string, number> = {};
  for (const t of tenants)
    if (t.taste.relaxLevel > 0)
      relaxed[`level${t.taste.relaxLevel}`] = (relaxed[`level${t.taste.relaxLevel}`] ?? 0) + 1;
  let savedHeld = 0;
  let seenHeld = 0;
  for (const t of tenants)
    for (const h of t.heldOut) {
      const id = h.property;
      if (t.train.some((i) => i.property === id && i.kind === "favourite")) savedHeld++;
      else if (t.train.some((i) => i.property === id)) seenHeld++;
    }
  return {
    interactions: tenants.reduce((s, t) => s + t.train.length + t.heldOut.length, 0),
    training: tenants.reduce((s, t) => s + t.train.length, 0),
    heldOut: tenants.reduce((s, t) => s + t.heldOut.length, 0),
    favouritesInTraining: tenants.reduce((s, t) => s + t.savedIds.size, 0),
    heldOutSavedInTraining: savedHeld,
    heldOutSeenInTraining: seenHeld,
    tenantsWithRelevant: tenants.filter((t) => t.relevant.size > 0).length,
    tenantsWithUnseenRelevant: tenants.filter((t) => t.unseen.size > 0).length,
    poolSize: { p10: percentile(pools, 10), median: percentile(pools, 50), p90: percentile(pools, 90) },
    relaxed,
  };
}

// ---------------------------------------------------------------------------------------------
// D1 and the listing consumer

/**
 * Earlier benches of a full run can leave events in the local queue (the outbox benchmark waits
 * for its sweep, not for the consumer): seeding waits until `processed_events` stops growing, so
 * neither the indexing time nor `wrangler d1 execute` (SQLITE_BUSY) meets their tail.
 */
async function waitForQuietQueue(db: DatabaseSync, say: (line: string) => void): Promise<number> {
  const started = performance.now();
  const count = () => Number((db.prepare("select count(*) as n from processed_events").get() as { n: number }).n);
  let last = count();
  for (let quiet = 0; quiet < 2 && performance.now() - started < 10 * MINUTE;) {
    await sleep(POLL_MS);
    const n = count();
    quiet = n === last ? quiet + 1 : 0;
    if (n !== last && quiet === 0 && performance.now() - started > 3 * POLL_MS)
      say(`  waiting for the queue to go quiet (${n} events processed so far)…`);
    last = n;
  }
  return round(performance.now() - started, 0);
}

/** Writes the catalogue, its search index and outbox events, the tenants and their history, as SQL files. */
async function seedD1(
  platform: Platform,
  cat: Catalog,
  tenants: Tenant[],
  say: (line: string) => void,
): Promise<RecommendationsResult["seeding"]> {
  const started = performance.now();
  return applySql(platform, mergeInserts(seedStatements(cat, tenants)), "reco-seed", say, started);
}

/**
 * Parents before children. The tenants' ids are bench/tokens.ts's, which the booking benchmark
 * uses too: their earlier interactions and saves are deleted first (their bookings stay, for rooms
 * outside this catalogue). Search index rows as the demo seed writes them
 * (`searchIndexStatements(rows)`).
 */
function seedStatements(cat: Catalog, tenants: Tenant[]): string[] {
  const at = (ms: number) => new Date(ms).toISOString();
  const tenantRows: UserRow[] = tenants.map((t, i) => ({
    id: t.id,
    email: `reco-tenant-${i}@bench.roomline.dev`,
    name: `Reco Tenant ${i}`,
    role: "tenant",
    locale: null,
    passwordHash: "bench-no-login",
    createdAt: at(RECO_EPOCH),
    updatedAt: at(RECO_EPOCH),
  }));
  const interactionRows: (typeof interactions.$inferInsert)[] = [];
  const favouriteRows: (typeof favourites.$inferInsert)[] = [];
  for (const t of tenants)
    for (const i of t.train) {
      const propertyId = cat.properties[i.property]!.id;
      interactionRows.push({
        id: seedId("int", i.at, interactionRows.length),
        userId: t.id,
        kind: i.kind,
        subject: propertyId,
        at: at(i.at),
      });
      if (i.kind === "favourite") favouriteRows.push({ userId: t.id, propertyId, createdAt: at(i.at) });
    }
  return [
    "DELETE FROM interactions WHERE user_id GLOB 'usr_bench*';",
    "DELETE FROM favourites WHERE user_id GLOB 'usr_bench*';",
    ...insertStatements(users, [cat.landlord, ...tenantRows]),
    ...insertStatements(properties, cat.properties),
    ...insertStatements(rooms, cat.rooms),
    ...insertStatements(listings, cat.listings),
    ...searchIndexStatements(cat.listings),
    ...insertStatements(outbox, listingEvents(cat.properties)),
    ...insertStatements(interactions, interactionRows),
    ...insertStatements(favourites, favouriteRows),
  ];
}

/**
 * Runs the five-minute cron (`/__scheduled`) until the outbox has none of the catalogue's events
 * unsent, and waits until the listing consumer has upserted every room's vector: counted in the
 * local vector index's SQLite file, read-only (the catalogue's room ids are one contiguous range).
 * The consumer's `processed_events` rows (`done`) are counted too where it writes them (it claims
 * events one by one; a batch handler may not).
 */
async function indexThroughConsumer(
  platform: Platform,
  db: DatabaseSync,
  cat: Catalog,
  timeoutMs: number,
  say: (line: string) => void,
): Promise<RecommendationsResult["indexing"]> {
  const stateDir = join(platform.dir, "wrangler-state");
  const events = listingEvents(cat.properties);
  const [first, last] = [events[0]!.id, events.at(-1)!.id];
  const roomRange: [string, string] = [cat.rooms[0]!.id, cat.rooms.at(-1)!.id];
  const unsentQ = db.prepare("select count(*) as n from outbox where id between ? and ? and sent_at is null");
  const doneQ = db.prepare(
    "select count(*) as n from processed_events where event_id between ? and ? and status = 'done'",
  );
  const unsent = () => Number((unsentQ.get(first, last) as { n: number }).n);
  const done = () => Number((doneQ.get(first, last) as { n: number }).n);
  const indexed = () => vectorCount(stateDir, roomRange) ?? 0;
  const started = performance.now();
  let cronRuns = 0;
  let cronFailures = 0;
  let lastCron = -Infinity;
  let lastSay = started;
  let rooms = indexed();
  let idlePolls = 0;
  while (rooms < cat.rooms.length && performance.now() - started < timeoutMs) {
    // A run sends what is unsent; the next one is as Cloudflare would run it (five minutes later), or at once when the consumer is idle.
    if (unsent() > 0 && (lastCron === -Infinity || performance.now() - lastCron > 5 * MINUTE || idlePolls >= 3)) {
      const t = performance.now();
      const res = await fetch(`${platform.api}/__scheduled?cron=${encodeURIComponent(CRON)}`);
      cronRuns++;
      lastCron = performance.now();
      idlePolls = 0;
      // The run fails when any of its jobs does (payment reconciliation needs Postgres); the sweep may still have sent everything.
      const failure = res.ok ? "" : `, answered ${res.status}: ${(await res.text()).split("\n")[0]!.slice(0, 200)}`;
      say(
        `  cron run ${cronRuns}: ${((lastCron - t) / 1000).toFixed(1)} s, ${unsent()} of the catalogue's events left unsent${failure}`,
      );
      if (!res.ok && ++cronFailures > 10) throw new Error(`/__scheduled failed ${cronFailures} times`);
      if (!res.ok && unsent() > 0) lastCron = -Infinity; // try again at the next poll
    }
    await sleep(POLL_MS);
    const now = indexed();
    idlePolls = now === rooms ? idlePolls + 1 : 0;
    rooms = now;
    if (performance.now() - lastSay >= PROGRESS_MS) {
      lastSay = performance.now();
      const s = (lastSay - started) / 1000;
      say(
        `    ${rooms}/${cat.rooms.length} vectors indexed after ${s.toFixed(0)} s (${round(rooms / s)} rooms/s; ${done()} events done)`,
      );
    }
  }
  const ms = performance.now() - started;
  const complete = rooms >= cat.rooms.length;
  say(
    complete
      ? `  listing consumer indexed all ${cat.rooms.length} vectors (${events.length} properties) in ${(ms / 1000).toFixed(1)} s`
      : `  ⚠ gave up after ${(ms / 1000).toFixed(0)} s: ${rooms}/${cat.rooms.length} vectors indexed; evaluating on a partial index`,
  );
  return {
    ms: round(ms, 0),
    complete,
    cronRuns,
    cronFailures,
    roomsIndexed: rooms,
    eventsDone: done(),
    events: events.length,
    roomsPerSecond: round(rooms / (ms / 1000), 0),
    vectorsInIndex: vectorCount(stateDir),
    quietWaitMs: 0,
  };
}

/** Rows in the VectorIndexLocal object's SQLite file (with ids in `range`, when given), read-only; null when it cannot be read. */
function vectorCount(stateDir: string, range?: [string, string]): number | null {
  try {
    const root = join(stateDir, "v3", "do");
    const dir = readdirSync(root).find((d) => d.endsWith("-VectorIndexLocal"));
    if (!dir) return null;
    const files = readdirSync(join(root, dir)).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
    let total = 0;
    for (const f of files) {
      const db = new DatabaseSync(join(root, dir, f), { readOnly: true });
      try {
        const row = range
          ? db.prepare("select count(*) as n from vectors where id between ? and ?").get(...range)
          : db.prepare("select count(*) as n from vectors").get();
        total += Number((row as { n: number }).n);
      } finally {
        db.close();
      }
    }
    return total;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The API

interface Answer {
  status: number;
  body: string;
  items: { roomId: string; propertyId: string }[];
}

async function ask(client: HttpClient, url: string, token: string): Promise<Answer & { ms: number }> {
  const res = await client.send("GET", url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200)
    return { status: res.status, body: res.error ?? res.body.slice(0, 300), items: [], ms: res.ms };
  const body = JSON.parse(res.body) as { items: { roomId: string; propertyId: string }[] };
  return {
    status: 200,
    body: "",
    items: body.items.map((i) => ({ roomId: i.roomId, propertyId: i.propertyId })),
    ms: res.ms,
  };
}

async function pass(
  client: HttpClient,
  url: string,
  tenants: { token: string }[],
  inFlight: number,
): Promise<{ ms: number[]; wallMs: number; answers: Answer[] }> {
  const ms = new Array<number>(tenants.length);
  const started = performance.now();
  const answers = await pooled(
    tenants.map((t, i) => async () => {
      const a = await ask(client, url, t.token);
      ms[i] = a.ms;
      return a;
    }),
    inFlight,
  );
  return { ms, wallMs: performance.now() - started, answers };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Binary relevance; a property repeated in the list (another of its rooms) gains nothing. */
function scoreList(ranked: string[], relevant: Set<string>): { hit: boolean; ndcg: number } {
  const seen = new Set<string>();
  let dcg = 0;
  ranked.slice(0, LIMIT).forEach((p, i) => {
    if (relevant.has(p) && !seen.has(p)) dcg += 1 / Math.log2(i + 2);
    seen.add(p);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(relevant.size, LIMIT); i++) ideal += 1 / Math.log2(i + 2);
  return { hit: dcg > 0, ndcg: ideal ? dcg / ideal : 0 };
}

function quality(lists: string[][], tenants: Tenant[], which: "relevant" | "unseen"): Quality {
  let n = 0;
  let hits = 0;
  let ndcg = 0;
  tenants.forEach((t, i) => {
    const rel = t[which];
    if (rel.size === 0) return;
    const s = scoreList(lists[i]!, rel);
    n++;
    hits += s.hit ? 1 : 0;
    ndcg += s.ndcg;
  });
  const p = n ? hits / n : 0;
  return {
    tenants: n,
    hitRateAt10: round(p, 3),
    hitRateCi95: round(1.96 * Math.sqrt((p * (1 - p)) / Math.max(1, n)), 3),
    ndcgAt10: round(n ? ndcg / n : 0, 3),
  };
}

const rec = (name: string, lists: string[][], tenants: Tenant[]): Rec => ({
  name,
  heldOut: quality(lists, tenants, "relevant"),
  unseen: quality(lists, tenants, "unseen"),
});

/** The most interacted-with properties of the training data (every kind counts 1, as Roomline's popularity does), most first, ties by id. */
function popularity(cat: Catalog, tenants: Tenant[]): number[] {
  const counts = new Map<number, number>();
  for (const t of tenants) for (const i of t.train) counts.set(i.property, (counts.get(i.property) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (cat.properties[a[0]]!.id < cat.properties[b[0]]!.id ? -1 : 1))
    .map(([p]) => p);
}

function evaluate(
  cat: Catalog,
  tenants: Tenant[],
  seq: { ms: number[]; wallMs: number; answers: Answer[] },
  con: { ms: number[]; wallMs: number; answers: Answer[] },
  o: RecommendationsOptions,
): Pick<RecommendationsResult, "quality" | "roomline"> {
  const id = (i: number) => cat.properties[i]!.id;
  const roomline = con.answers.map((a) => a.items.map((it) => it.propertyId));
  const ranking = popularity(cat, tenants);
  const popular = ranking.map(id);
  // A reference, not a baseline: it knows each tenant's hidden taste pool (most interacted-with first, then by id).
  const place = new Map(ranking.map((p, i) => [p, i]));
  const oracleLists = tenants.map((t) =>
    [...t.taste.pool]
      .sort((a, b) => (place.get(a) ?? Infinity) - (place.get(b) ?? Infinity) || a - b)
      .map(id)
      .filter((p) => !t.savedIds.has(p))
      .slice(0, LIMIT),
  );
  const popularLists = tenants.map((t) => popular.filter((p) => !t.savedIds.has(p)).slice(0, LIMIT));
  const byCity = new Map<string, string[]>();
  for (const p of popular) {
    const city = cat.properties[cat.propertyIndex.get(p)!]!.city;
    byCity.set(city, [...(byCity.get(city) ?? []), p]);
  }
  const cityLists = tenants.map((t) => (byCity.get(t.topCity) ?? []).filter((p) => !t.savedIds.has(p)).slice(0, LIMIT));
  const rng = createRng(o.seed * 131 + 3);
  const randomLists = tenants.map((t) => {
    const out = new Set<string>();
    while (out.size < LIMIT) {
      const p = id(rng.int(0, cat.properties.length - 1));
      if (!t.savedIds.has(p)) out.add(p);
    }
    return [...out];
  });

  const answered = con.answers.filter((a) => a.status === 200);
  const items = answered.reduce((s, a) => s + a.items.length, 0);
  let inCity = 0;
  let inPool = 0;
  let interacted = 0;
  let foreign = 0;
  const pools = tenants.map((t) => new Set(t.taste.pool));
  con.answers.forEach((a, ti) => {
    const t = tenants[ti]!;
    for (const it of a.items) {
      const pi = cat.propertyIndex.get(it.propertyId);
      if (pi === undefined) {
        foreign++;
        continue;
      }
      if (cat.properties[pi]!.city === t.taste.city) inCity++;
      if (pools[ti]!.has(pi)) inPool++;
      if (t.trainedIds.has(it.propertyId)) interacted++;
    }
  });
  const share = (x: number) => round(items ? x / items : 0, 3);
  const failures = [...seq.answers, ...con.answers].filter((a) => a.status !== 200);
  const differ = seq.answers.filter(
    (a, i) => a.items.map((x) => x.roomId).join() !== con.answers[i]!.items.map((x) => x.roomId).join(),
  ).length;
  return {
    quality: [
      rec("Roomline", roomline, tenants),
      rec("popularity", popularLists, tenants),
      rec("popularity in the tenant's city", cityLists, tenants),
      rec("random", randomLists, tenants),
      rec("reference: the hidden taste pool, popular first", oracleLists, tenants),
    ],
    roomline: {
      sequential: {
        ...latency(seq.ms),
        wallMs: round(seq.wallMs, 0),
        rps: round(seq.ms.length / (seq.wallMs / 1000)),
      },
      concurrent: {
        ...latency(con.ms),
        inFlight: o.concurrency,
        wallMs: round(con.wallMs, 0),
        rps: round(con.ms.length / (con.wallMs / 1000)),
      },
      errors: failures.length,
      failures: failures.slice(0, 5).map((f) => ({ status: f.status, body: f.body })),
      passesDiffer: differ,
      itemsPerAnswer: round(items / Math.max(1, answered.length), 2),
      answersUnder10: answered.filter((a) => a.items.length < LIMIT).length,
      distinctPropertiesInTop10: round(
        answered.reduce((s, a) => s + new Set(a.items.map((x) => x.propertyId)).size, 0) / Math.max(1, answered.length),
        2,
      ),
      inTasteCity: share(inCity),
      inTastePool: share(inPool),
      alreadyInteracted: share(interacted),
      foreign: share(foreign),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Analysis: the recommender's blend replayed in process, over the same vectors

/** The blocks of workers/domain/listing-vector.ts, as [name, first dimension, end]. */
const BLOCKS: [string, number, number][] = [
  ["location", 0, 3],
  ["price", 3, 5],
  ["rental mode", 5, 7],
  ["type", 7, 12],
  ["capacity", 12, 14],
  ["amenities", 14, 30],
  ["words", 30, 64],
];
/** As workers/services/recommendations.ts weighs a tenant's history. */
const WEIGHTS: Record<string, number> = { booking: 4, favourite: 3, view: 1 };
const HALF_LIFE_DAYS = 14;

interface Analysis {
  /** Mean overlap of the replay's top 10 rooms with the API's (1: the replay is the recommender). */
  replayOverlapWithApi: number;
  /**
   * Per block: its mean contribution to the cosine (the block's dot product over both norms; the
   * blocks add up to the cosine), for the API's items, for the best room of each held-out relevant
   * property in the tenant's hidden city, and for those elsewhere (the noise).
   */
  blocks: { block: string; top10: number; relevantInCity: number; relevantElsewhere: number }[];
  /** Rank (1-based, among all rooms by the preference's cosine) of each tenant's best relevant room: median and p90. */
  relevantRank: { median: number; p90: number };
  /** The same blend with changes to what is done with its ranking, evaluated like the API. */
  variants: Rec[];
}

/** Rooms the replay ranks: enough for ten properties after dropping saved and repeated ones. */
const TOP_K = 400;

/** Indexes of the `k` highest scores, best first, ties in index order (the local index's id order). */
function topK(scores: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length === k && s <= scores[best[k - 1]!]!) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (scores[best[mid]!]! >= s) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** What-ifs over the replayed ranking: block multipliers (on both sides of the cosine), one room per property, what is left out. */
const VARIANTS: {
  name: string;
  /** Rooms asked of the index (the recommender asks 4 × limit). */
  candidates: number;
  onePerProperty: boolean;
  skipInteracted: boolean;
  reweight?: Record<string, number>;
  /** The price block's angle multiplied by this (a sharper price: 4 turns the 5..500 EUR quarter circle into a full one). */
  priceTurns?: number;
  /** Keep this many properties by cosine, then order them by how often anyone interacted with them (Roomline's popularity, over the history). */
  popularAmong?: number;
}[] = [
  {
    name: "replay (as served: nearest 40 rooms, one per property)",
    candidates: LIMIT * 4,
    onePerProperty: true,
    skipInteracted: false,
  },
  {
    name: "nearest 40 rooms, several per property",
    candidates: LIMIT * 4,
    onePerProperty: false,
    skipInteracted: false,
  },
  {
    name: "one per property from the nearest 400 rooms",
    candidates: TOP_K,
    onePerProperty: true,
    skipInteracted: false,
  },
  { name: "… and none interacted with", candidates: TOP_K, onePerProperty: true, skipInteracted: true },
  {
    name: "… type, mode, amenities ×2",
    candidates: TOP_K,
    onePerProperty: true,
    skipInteracted: false,
    reweight: { type: 2, "rental mode": 2, amenities: 2 },
  },
  { name: "… no words block", candidates: TOP_K, onePerProperty: true, skipInteracted: false, reweight: { words: 0 } },
  { name: "… price angle ×4", candidates: TOP_K, onePerProperty: true, skipInteracted: false, priceTurns: 4 },
  {
    name: "… the 50 nearest properties, most interacted-with first",
    candidates: TOP_K,
    onePerProperty: true,
    skipInteracted: false,
    popularAmong: 50,
  },
];

/**
 * Replays the recommender's blend (workers/services/recommendations.ts: every room of each property
 * interacted with, weighted booking 4, save 3, view 1, halving every 14 days, a save counted as its
 * interaction and its favourites row) by brute force over the catalogue's vectors
 * (workers/domain/listing-vector.ts), checks it agrees with the API, and explains the ranking.
 */
function analyse(cat: Catalog, tenants: Tenant[], answers: Answer[], now: number): Analysis {
  const dims = 64;
  const n = cat.listings.length;
  const matrix = new Float32Array(n * dims);
  cat.listings.forEach((l, i) => matrix.set(listingVector(l), i * dims));
  const matrices = VARIANTS.map((v) => {
    if (!v.priceTurns) return matrix;
    const m = matrix.slice();
    for (let i = 0; i < n; i++) {
      const o = i * dims;
      const θ = Math.atan2(m[o + 4]!, m[o + 3]!) * v.priceTurns;
      const r = Math.hypot(m[o + 3]!, m[o + 4]!);
      m[o + 3] = r * Math.cos(θ);
      m[o + 4] = r * Math.sin(θ);
    }
    return m;
  });
  const scale = VARIANTS.map((v) => {
    const m = new Float64Array(dims).fill(1);
    for (const [name, a, b] of BLOCKS) for (let d = a; d < b; d++) m[d] = (v.reweight?.[name] ?? 1) ** 2;
    return m;
  });
  const norms = scale.map((m, v) => {
    const mx = matrices[v]!;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let d = 0; d < dims; d++) sq += mx[i * dims + d]! ** 2 * m[d]!;
      out[i] = Math.sqrt(sq);
    }
    return out;
  });
  const roomIndex = new Map(cat.rooms.map((r, i) => [r.id, i]));
  const pid = (ri: number) => cat.properties[cat.propertyOfRoom[ri]!]!.id;
  const counts = new Map<number, number>();
  for (const t of tenants) for (const i of t.train) counts.set(i.property, (counts.get(i.property) ?? 0) + 1);
  const lists: string[][][] = VARIANTS.map(() => []);
  const groups = { top10: [] as number[][], relevantInCity: [] as number[][], relevantElsewhere: [] as number[][] };
  const ranks: number[] = [];
  let overlap = 0;
  const scores = VARIANTS.map(() => new Float64Array(n));
  tenants.forEach((t, ti) => {
    const weight = new Map<number, number>();
    for (const i of t.train) {
      const w = WEIGHTS[i.kind]! * 0.5 ** (Math.max(0, (now - i.at) / DAY) / HALF_LIFE_DAYS);
      weight.set(i.property, (weight.get(i.property) ?? 0) + w * (i.kind === "favourite" ? 2 : 1));
    }
    const prefs = VARIANTS.map((_, v) => {
      const mx = matrices[v]!;
      const out = new Float64Array(dims);
      let total = 0;
      for (const [p, w] of weight)
        for (const ri of cat.roomsOf[p]!) {
          for (let d = 0; d < dims; d++) out[d]! += mx[ri * dims + d]! * w;
          total += w;
        }
      return out.map((x) => x / total);
    });
    const pref = prefs[0]!;
    VARIANTS.forEach((_, v) => {
      const m = scale[v]!;
      const pref = prefs[v]!;
      const mx = matrices[v]!;
      let pn = 0;
      for (let d = 0; d < dims; d++) pn += pref[d]! ** 2 * m[d]!;
      pn = Math.sqrt(pn);
      const pw = pref.map((x, d) => x * m[d]!);
      const out = scores[v]!;
      const nv = norms[v]!;
      for (let i = 0; i < n; i++) {
        let dot = 0;
        const o = i * dims;
        for (let d = 0; d < dims; d++) dot += pw[d]! * mx[o + d]!;
        out[i] = dot / (pn * nv[i]!);
      }
    });
    VARIANTS.forEach((variant, v) => {
      const ranked = topK(scores[v]!, variant.candidates);
      const skip = (p: string) => (variant.skipInteracted ? t.trainedIds : t.savedIds).has(p);
      let out: number[] = [];
      const shown = new Set<string>();
      const keep = variant.popularAmong ?? LIMIT;
      for (const ri of ranked) {
        const p = pid(ri);
        if (skip(p) || (variant.onePerProperty && shown.has(p))) continue;
        shown.add(p);
        out.push(ri);
        if (out.length === keep) break;
      }
      if (variant.popularAmong)
        out = out
          .map((ri, k) => ({ ri, k, n: counts.get(cat.propertyOfRoom[ri]!) ?? 0 }))
          .sort((a, b) => b.n - a.n || a.k - b.k)
          .slice(0, LIMIT)
          .map((x) => x.ri);
      lists[v]!.push(out.map(pid));
      if (v === 0) {
        const api = new Set(answers[ti]!.items.map((x) => x.roomId));
        const same = out.filter((ri) => api.has(cat.rooms[ri]!.id)).length;
        overlap += same / Math.max(1, out.length, api.size);
      }
    });

    const base = scores[0]!;
    const pn = Math.sqrt(pref.reduce((s, x) => s + x * x, 0));
    const contributions = (ri: number) =>
      BLOCKS.map(([, a, b]) => {
        let dot = 0;
        for (let d = a; d < b; d++) dot += pref[d]! * matrix[ri * dims + d]!;
        return dot / (pn * norms[0]![ri]!);
      });
    for (const it of answers[ti]!.items) {
      const ri = roomIndex.get(it.roomId);
      if (ri !== undefined) groups.top10.push(contributions(ri));
    }
    if (t.relevant.size) {
      let best = -Infinity;
      for (const p of t.relevant) {
        const pi = cat.propertyIndex.get(p)!;
        const top = cat.roomsOf[pi]!.reduce((a, b) => (base[b]! > base[a]! ? b : a));
        (cat.properties[pi]!.city === t.taste.city ? groups.relevantInCity : groups.relevantElsewhere).push(
          contributions(top),
        );
        best = Math.max(best, base[top]!);
      }
      let above = 0;
      for (let i = 0; i < n; i++) if (base[i]! > best) above++;
      ranks.push(above + 1);
    }
  });
  const mean = (rows: number[][], b: number) =>
    round(rows.reduce((s, r) => s + r[b]!, 0) / Math.max(1, rows.length), 3);
  return {
    replayOverlapWithApi: round(overlap / Math.max(1, tenants.length), 3),
    blocks: [
      ...BLOCKS.map(([name], b) => ({
        block: name,
        top10: mean(groups.top10, b),
        relevantInCity: mean(groups.relevantInCity, b),
        relevantElsewhere: mean(groups.relevantElsewhere, b),
      })),
      {
        block: "cosine (sum)",
        top10: round(
          groups.top10.reduce((s, r) => s + r.reduce((x, y) => x + y, 0), 0) / Math.max(1, groups.top10.length),
          3,
        ),
        relevantInCity: round(
          groups.relevantInCity.reduce((s, r) => s + r.reduce((x, y) => x + y, 0), 0) /
            Math.max(1, groups.relevantInCity.length),
          3,
        ),
        relevantElsewhere: round(
          groups.relevantElsewhere.reduce((s, r) => s + r.reduce((x, y) => x + y, 0), 0) /
            Math.max(1, groups.relevantElsewhere.length),
          3,
        ),
      },
    ],
    relevantRank: { median: percentile(ranks, 50), p90: percentile(ranks, 90) },
    variants: VARIANTS.map((v, i) => rec(v.name, lists[i]!, tenants)),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

export function recommendationsTables(r: RecommendationsResult): string {
  const q = (x: Quality) => [`${x.hitRateAt10} ± ${x.hitRateCi95}`, x.ndcgAt10];
  const qualityRows = (recs: Rec[]) =>
    table(
      ["recommender", "hit-rate@10", "NDCG@10", "unseen hit-rate@10", "unseen NDCG@10"],
      recs.map((x) => [x.name, ...q(x.heldOut), ...q(x.unseen)]),
    );
  const rl = r.roomline;
  const pop = r.quality.find((x) => x.name === "popularity")!.heldOut.hitRateAt10;
  const ours = r.quality.find((x) => x.name === "Roomline")!.heldOut.hitRateAt10;
  const city = r.quality.find((x) => x.name === "popularity in the tenant's city")!.heldOut.hitRateAt10;
  const lat = table(
    ["pass", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s", "errors"],
    [
      [
        "1 in flight",
        rl.sequential.n,
        rl.sequential.p50,
        rl.sequential.p95,
        rl.sequential.p99,
        rl.sequential.max,
        rl.sequential.rps,
        "",
      ],
      [
        `${rl.concurrent.inFlight} in flight`,
        rl.concurrent.n,
        rl.concurrent.p50,
        rl.concurrent.p95,
        rl.concurrent.p99,
        rl.concurrent.max,
        rl.concurrent.rps,
        rl.errors,
      ],
    ],
  );
  const p = r.population;
  const a = r.analysis;
  return [
    qualityRows(r.quality),
    "",
    `  Over ${r.quality[0]!.heldOut.tenants} tenants with a held-out property not saved in training (unseen: ${r.quality[0]!.unseen.tenants} with one they never touched in training); ± is the 95% interval.`,
    `  Roomline / popularity hit-rate: ${pop ? round(ours / pop, 2) : "—"}× (goal ≥ 2×); / popularity in the city: ${city ? round(ours / city, 2) : "—"}×. The reference row knows each tenant's hidden taste (roughly a ceiling, not a baseline).`,
    "",
    lat,
    "",
    `  Latency: send to last byte over HTTP, ${r.listings} listings in the index (goal p95 ≤ 30 ms).`,
    `  Indexing: ${r.indexing.events} listing.changed events (${r.listings} rooms) through the outbox sweep and the listing consumer: ${r.indexing.roomsIndexed} vectors in ${round(r.indexing.ms / 1000)} s (${r.indexing.roomsPerSecond} rooms/s, ${r.indexing.cronRuns} cron runs, ${r.indexing.cronFailures} failed${r.indexing.complete ? "" : ", INCOMPLETE"}); vectors in the index, all benches: ${r.indexing.vectorsInIndex ?? "—"}. D1 seed ${round(r.seeding.ms / 1000)} s (${r.seeding.megabytes} MB).`,
    `  Population: ${p.training} training / ${p.heldOut} held-out interactions; held out but saved in training: ${p.heldOutSavedInTraining} (relevant to nobody), seen in training: ${p.heldOutSeenInTraining}; taste pools median ${p.poolSize.median} (p10 ${p.poolSize.p10}, p90 ${p.poolSize.p90}), relaxed: ${JSON.stringify(p.relaxed)}.`,
    `  Roomline's answers: ${rl.itemsPerAnswer} items, ${rl.distinctPropertiesInTop10} distinct properties per top 10, ${rl.answersUnder10} short answers; items in the hidden city ${rl.inTasteCity}, matching the whole hidden taste ${rl.inTastePool}, already interacted with ${rl.alreadyInteracted}, not this catalogue's ${rl.foreign}; passes differing: ${rl.passesDiffer}.`,
    "",
    `  Analysis (the recommender's blend replayed in process; overlap with the API's top 10: ${a.replayOverlapWithApi}). Best relevant room's rank among all ${r.listings}: median ${a.relevantRank.median}, p90 ${a.relevantRank.p90}.`,
    table(
      ["block (contribution to the cosine)", "top 10 answered", "relevant, hidden city", "relevant, elsewhere"],
      a.blocks.map((b) => [b.block, b.top10, b.relevantInCity, b.relevantElsewhere]),
    ),
    "",
    qualityRows(a.variants),
  ].join("\n");
}
