/**
 * Request pool benchmark. BENCH_POOL_USERS users (BENCH_POOL_LANDLORDS landlords, the rest tenants),
 * BENCH_POOL_ROOMS rooms from the demo generator shared out among the landlords, and
 * BENCH_POOL_REQUESTS open rental requests, each anchored near a random room (its city, currency and
 * mode; a budget around its price; radius 1–10 km), are written into the bench worker's local D1
 * with `wrangler d1 execute --file` (as the other benchmarks seed). Then:
 * - the pool statement's query plan (EXPLAIN QUERY PLAN on the D1 file, read-only): it must reach
 *   requests through the pool index, never a scan of them all;
 * - BENCH_POOL_PAGES random landlords ask `GET /v1/landlords/me/request-pool?limit=20` through the
 *   API, one at a time and then BENCH_POOL_CONCURRENCY in flight; the same statement run in
 *   process on the same SQLite file (node:sqlite) is the reference row: the cost of the SQL alone;
 * - BENCH_POOL_OFFERS landlords with a non-empty pool each offer their best room for a different
 *   request at its list price, and the request's tenant accepts (the booking saga's hold):
 *   offers accepted per second end to end, BENCH_POOL_CONCURRENCY flows in flight.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { listings, properties, rentalRequests, rooms, users } from "../schema/d1";
import { poolQuery } from "../workers/data/request-pool";
import { addDays, addMonths } from "../workers/domain/dates";
import {
  buildDemoData,
  createRng,
  insertStatements,
  listingOf,
  seedId,
  type ListingRow,
  type PropertyRow,
  type RoomRow,
  type UserRow,
} from "../scripts/seed";
import { httpClient, pooled, type HttpClient } from "./http";
import { applySql, localD1File, mergeInserts, type SqlApplied } from "./local-d1";
import type { Platform } from "./platform";
import { percentile, round, table, latency, type Latency } from "./stats";
import { mintTokens, tokenSettingsFromWranglerToml, type Tenant } from "./tokens";

export interface PoolOptions {
  users: number;
  landlords: number;
  rooms: number;
  requests: number;
  pages: number;
  offers: number;
  concurrency: number;
  seed: number;
}

export interface PoolResult {
  users: number;
  landlords: number;
  rooms: number;
  properties: number;
  requests: number;
  seeding: SqlApplied;
  plan: { detail: string[]; usesPoolIndex: boolean; scansAllRequests: boolean };
  pages: {
    sequential: Latency & { statuses: Record<string, number>; itemsMean: number; emptyShare: number };
    concurrent: Latency & { statuses: Record<string, number>; wallMs: number; pagesPerS: number };
    sqlAlone: Latency & { pairsMean: number };
  };
  offers: {
    flows: number;
    accepted: number;
    outcomes: Record<string, number>;
    wallMs: number;
    acceptedPerS: number;
    offer: Latency;
    accept: Latency;
  };
}

const POOL_EPOCH = Date.parse("2026-02-01T00:00:00Z");
const MINUTE = 60_000;
const PAGE = 20;

export async function runPoolBench(
  platform: Platform,
  o: PoolOptions,
  say: (line: string) => void,
): Promise<PoolResult> {
  const started = performance.now();
  const world = generate(o);
  say(
    `  ${world.users.length} users (${o.landlords} landlords), ${world.rooms.length} rooms in ${world.properties.length} properties, ${world.requests.length} open requests generated (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const seeding = await applySql(platform, mergeInserts(seedStatements(world)), "pool-seed", say, started);

  const db = new DatabaseSync(localD1File(platform), { readOnly: true });
  try {
    const rng = createRng(o.seed * 13 + 5);
    const sample = Array.from({ length: o.pages }, () => world.landlords[rng.int(0, world.landlords.length - 1)]!);
    const plan = queryPlan(db, sample[0]!.id);
    say(`  query plan: ${plan.detail.join(" | ")}`);
    const sqlAlone = timeSql(db, sample);
    say(`  the pool SQL alone (node:sqlite): p50 ${sqlAlone.p50} ms, p95 ${sqlAlone.p95} ms`);

    const settings = tokenSettingsFromWranglerToml(join(platform.projectDir, "wrangler.toml"));
    const keys = platform.secrets.JWT_PRIVATE_KEYS!;
    const landlordTokens = new Map(
      (
        await mintTokens(
          keys,
          settings,
          [...new Set(sample.map((l) => l.id))].map((id) => ({ id, role: "landlord" })),
        )
      ).map((t) => [t.id, t.token]),
    );
    const client = httpClient(o.concurrency);
    await client.warm(`${platform.api}/bench-warm-up`, o.concurrency);
    const url = `${platform.api}/v1/landlords/me/request-pool?limit=${PAGE}`;
    for (const l of sample.slice(0, 10)) await page(client, url, landlordTokens.get(l.id)!);
    say(`  Roomline: ${sample.length} pool pages one at a time…`);
    const seq = await pooled(
      sample.map((l) => () => page(client, url, landlordTokens.get(l.id)!)),
      1,
    );
    say(`  Roomline: ${sample.length} pool pages, ${o.concurrency} in flight…`);
    const t0 = performance.now();
    const con = await pooled(
      sample.map((l) => () => page(client, url, landlordTokens.get(l.id)!)),
      o.concurrency,
    );
    const wallMs = performance.now() - t0;

    const offers = await offersEndToEnd(platform, client, o, seq, sample, landlordTokens, world, keys, settings, say);
    client.close();
    return {
      users: world.users.length,
      landlords: world.landlords.length,
      rooms: world.rooms.length,
      properties: world.properties.length,
      requests: world.requests.length,
      seeding,
      plan,
      pages: {
        sequential: {
          ...latency(seq.map((p) => p.ms)),
          statuses: statuses(seq),
          itemsMean: round(seq.reduce((s, p) => s + p.items.length, 0) / seq.length),
          emptyShare: round(seq.filter((p) => p.items.length === 0).length / seq.length, 3),
        },
        concurrent: {
          ...latency(con.map((p) => p.ms)),
          statuses: statuses(con),
          wallMs: round(wallMs),
          pagesPerS: round(con.length / (wallMs / 1000)),
        },
        sqlAlone,
      },
      offers,
    };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The world

interface World {
  users: UserRow[];
  landlords: UserRow[];
  tenants: UserRow[];
  properties: PropertyRow[];
  rooms: RoomRow[];
  listings: ListingRow[];
  requests: (typeof rentalRequests.$inferInsert)[];
}

/**
 * Rooms from `buildDemoData` (six cities), one seed per batch, re-numbered; property i belongs to
 * landlord i mod L, so each landlord has a few rooms in one or two cities. Request i belongs to
 * tenant i (one each) and is anchored within 3 km of a random room's property.
 */
function generate(o: PoolOptions): World {
  const at = (ms: number) => new Date(ms).toISOString();
  const person = (i: number, role: "landlord" | "tenant"): UserRow => ({
    id: seedId("usr", POOL_EPOCH, i),
    email: `pool-${role}-${i}@bench.roomline.dev`,
    name: `Pool ${role === "landlord" ? "Landlord" : "Tenant"} ${i}`,
    role,
    locale: null,
    passwordHash: "bench-no-login",
    createdAt: at(POOL_EPOCH),
    updatedAt: at(POOL_EPOCH),
  });
  const landlords = Array.from({ length: o.landlords }, (_, i) => person(i, "landlord"));
  const tenants = Array.from({ length: o.users - o.landlords }, (_, i) => person(o.landlords + i, "tenant"));
  const w: World = {
    users: [...landlords, ...tenants],
    landlords,
    tenants,
    properties: [],
    rooms: [],
    listings: [],
    requests: [],
  };
  for (let batch = 0; w.rooms.length < o.rooms; batch++) {
    const demo = buildDemoData(o.seed * 6271 + 99_991 + batch);
    for (const p of demo.properties) {
      if (w.rooms.length >= o.rooms) break;
      const pi = w.properties.length;
      const pat = POOL_EPOCH + (pi + 1) * MINUTE;
      const property: PropertyRow = {
        ...p,
        id: seedId("prop", pat, pi),
        ownerId: landlords[pi % landlords.length]!.id,
        createdAt: at(pat),
        updatedAt: at(pat),
      };
      w.properties.push(property);
      for (const [k, r] of demo.rooms.filter((x) => x.propertyId === p.id).entries()) {
        if (w.rooms.length >= o.rooms) break;
        const rat = pat + (k + 1) * 1000;
        const room: RoomRow = {
          ...r,
          id: seedId("room", rat, w.rooms.length),
          propertyId: property.id,
          createdAt: at(rat),
          updatedAt: at(rat),
        };
        w.rooms.push(room);
        w.listings.push(listingOf(property, room));
      }
    }
  }
  const rng = createRng(o.seed * 17 + 3);
  const now = Date.now();
  const today = at(now).slice(0, 10);
  for (let i = 0; i < o.requests; i++) {
    const l = w.listings[rng.int(0, w.listings.length - 1)]!;
    const tenant = tenants[i % tenants.length]!;
    const nightly = l.rentalMode === "nightly";
    const moveIn = addDays(today, rng.int(20, 120));
    const nights = nightly ? rng.int(2, 14) : null;
    const months = nightly ? null : rng.int(1, 12);
    const created = now - rng.int(0, 13 * 24 * 60) * MINUTE;
    w.requests.push({
      id: seedId("rrq", POOL_EPOCH, i),
      tenantId: tenant.id,
      lat: l.lat + (rng.next() - 0.5) * 0.05,
      lng: l.lng + (rng.next() - 0.5) * 0.07,
      radiusKm: rng.int(1, 10),
      city: l.city,
      budgetAmount: Math.round(l.priceAmount * (0.8 + rng.next() * 0.8)),
      currency: l.currency,
      rentalMode: l.rentalMode,
      moveIn,
      moveOut: nights ? addDays(moveIn, nights) : addMonths(moveIn, months!),
      nights,
      months,
      units: 1,
      note: null,
      status: "open",
      expiresAt: at(created + 14 * 24 * 60 * MINUTE),
      acceptedOfferId: null,
      createdAt: at(created),
      updatedAt: at(created),
    });
  }
  return w;
}

/** Earlier pool runs' rows go first (the same ids), then parents before children. */
function seedStatements(w: World): string[] {
  const ids = (prefix: string) => `'${seedId(prefix, POOL_EPOCH, 0).slice(0, prefix.length + 10)}*'`;
  return [
    `DELETE FROM offers WHERE request_id GLOB ${ids("rrq")};`,
    `DELETE FROM rental_requests WHERE id GLOB ${ids("rrq")};`,
    `DELETE FROM listings WHERE owner_id GLOB ${ids("usr")};`,
    `DELETE FROM rooms WHERE property_id IN (SELECT id FROM properties WHERE owner_id GLOB ${ids("usr")});`,
    `DELETE FROM properties WHERE owner_id GLOB ${ids("usr")};`,
    `DELETE FROM users WHERE id GLOB ${ids("usr")};`,
    ...insertStatements(users, w.users),
    ...insertStatements(properties, w.properties),
    ...insertStatements(rooms, w.rooms),
    ...insertStatements(listings, w.listings),
    ...insertStatements(rentalRequests, w.requests),
  ];
}

// ---------------------------------------------------------------------------------------------
// Measuring

function queryPlan(db: DatabaseSync, landlordId: string): PoolResult["plan"] {
  const { sql, params } = new SQLiteSyncDialect().sqlToQuery(poolQuery(landlordId, new Date().toISOString()));
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as (string | number)[])) as { detail: string }[];
  const detail = rows.map((r) => r.detail);
  return {
    detail,
    usesPoolIndex: detail.some((d) => d.includes("rental_requests_pool")),
    // A scan, or the expiry index alone (status = 'open'): both read every open request.
    scansAllRequests: detail.some((d) => /^SCAN (r|rental_requests)\b/.test(d) || d.includes("rental_requests_expiry")),
  };
}

function timeSql(db: DatabaseSync, sample: UserRow[]): PoolResult["pages"]["sqlAlone"] {
  const dialect = new SQLiteSyncDialect();
  const ms: number[] = [];
  let pairs = 0;
  const now = new Date().toISOString();
  for (const l of sample) {
    const { sql, params } = dialect.sqlToQuery(poolQuery(l.id, now));
    const t = performance.now();
    pairs += db.prepare(sql).all(...(params as (string | number)[])).length;
    ms.push(performance.now() - t);
  }
  return { ...latency(ms), pairsMean: round(pairs / sample.length) };
}

interface PageAnswer {
  status: number;
  ms: number;
  items: { request: { id: string; tenantId?: string }; roomIds: string[] }[];
}

async function page(client: HttpClient, url: string, token: string): Promise<PageAnswer> {
  const res = await client.send("GET", url, { headers: { authorization: `Bearer ${token}` } });
  const items = res.status === 200 ? (JSON.parse(res.body) as { items: PageAnswer["items"] }).items : [];
  return { status: res.status, ms: res.ms, items };
}

/**
 * Landlords with a non-empty pool each offer their best room for a request nobody else offers on,
 * at the room's list price (within budget: the pool checked it), then its tenant accepts.
 */
async function offersEndToEnd(
  platform: Platform,
  client: HttpClient,
  o: PoolOptions,
  answers: PageAnswer[],
  sample: UserRow[],
  landlordTokens: Map<string, string>,
  w: World,
  keys: string,
  settings: ReturnType<typeof tokenSettingsFromWranglerToml>,
  say: (line: string) => void,
): Promise<PoolResult["offers"]> {
  const priceOf = new Map(w.listings.map((l) => [l.roomId, { amount: l.priceAmount, currency: l.currency }]));
  const tenantOf = new Map(w.requests.map((r) => [r.id!, r.tenantId]));
  const taken = new Set<string>();
  const flows: { landlordId: string; requestId: string; roomId: string }[] = [];
  answers.forEach((a, i) => {
    if (flows.length >= o.offers) return;
    const item = a.items.find((it) => !taken.has(it.request.id));
    if (!item || flows.some((f) => f.landlordId === sample[i]!.id)) return;
    taken.add(item.request.id);
    flows.push({ landlordId: sample[i]!.id, requestId: item.request.id, roomId: item.roomIds[0]! });
  });
  const tenantTokens = new Map(
    (
      await mintTokens(
        keys,
        settings,
        flows.map((f) => ({ id: tenantOf.get(f.requestId)!, role: "tenant" as const })),
      )
    ).map((t: Tenant) => [t.id, t.token]),
  );
  say(`  Roomline: ${flows.length} offers sent and accepted, ${o.concurrency} flows in flight…`);
  const offerMs: number[] = [];
  const acceptMs: number[] = [];
  const outcomes: Record<string, number> = {};
  const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  const t0 = performance.now();
  await pooled(
    flows.map((f) => async () => {
      const sent = await client.send("POST", `${platform.api}/v1/rental-requests/${f.requestId}/offers`, {
        headers: {
          authorization: `Bearer ${landlordTokens.get(f.landlordId)}`,
          "idempotency-key": crypto.randomUUID(),
        },
        body: { roomId: f.roomId, price: priceOf.get(f.roomId)! },
      });
      offerMs.push(sent.ms);
      if (sent.status !== 201) return count(`offer ${sent.status} ${codeOf(sent.body)}`);
      const offerId = (JSON.parse(sent.body) as { id: string }).id;
      const accepted = await client.send("POST", `${platform.api}/v1/offers/${offerId}/accept`, {
        headers: {
          authorization: `Bearer ${tenantTokens.get(tenantOf.get(f.requestId)!)}`,
          "idempotency-key": crypto.randomUUID(),
        },
      });
      acceptMs.push(accepted.ms);
      count(accepted.status === 201 ? "accepted" : `accept ${accepted.status} ${codeOf(accepted.body)}`);
    }),
    o.concurrency,
  );
  const wallMs = performance.now() - t0;
  const ok = outcomes.accepted ?? 0;
  return {
    flows: flows.length,
    accepted: ok,
    outcomes,
    wallMs: round(wallMs),
    acceptedPerS: round(ok / (wallMs / 1000)),
    offer: latency(offerMs),
    accept: latency(acceptMs),
  };
}

function codeOf(body: string): string {
  try {
    return (JSON.parse(body) as { code?: string }).code ?? "";
  } catch {
    return "";
  }
}

function statuses(answers: { status: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

export function poolTables(r: PoolResult): string {
  const p = r.pages;
  const pages = table(
    ["pool page (limit 20)", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "notes"],
    [
      [
        "Roomline API, 1 in flight",
        p.sequential.n,
        p.sequential.p50,
        p.sequential.p95,
        p.sequential.p99,
        p.sequential.max,
        `${p.sequential.itemsMean} items/page, ${round(p.sequential.emptyShare * 100)}% empty, ${JSON.stringify(p.sequential.statuses)}`,
      ],
      [
        "Roomline API, concurrent",
        p.concurrent.n,
        p.concurrent.p50,
        p.concurrent.p95,
        p.concurrent.p99,
        p.concurrent.max,
        `${p.concurrent.pagesPerS} pages/s, ${JSON.stringify(p.concurrent.statuses)}`,
      ],
      [
        "the pool SQL alone (node:sqlite)",
        p.sqlAlone.n,
        p.sqlAlone.p50,
        p.sqlAlone.p95,
        p.sqlAlone.p99,
        p.sqlAlone.max,
        `${p.sqlAlone.pairsMean} fitting pairs/landlord`,
      ],
    ],
  );
  const f = r.offers;
  const offers = table(
    ["offers end to end", "flows", "accepted", "accepted/s", "offer p50/p95 ms", "accept p50/p95 ms", "outcomes"],
    [
      [
        `${f.flows} flows`,
        f.flows,
        f.accepted,
        f.acceptedPerS,
        `${f.offer.p50} / ${f.offer.p95}`,
        `${f.accept.p50} / ${f.accept.p95}`,
        JSON.stringify(f.outcomes),
      ],
    ],
  );
  const plan = `query plan (${r.plan.usesPoolIndex ? "uses rental_requests_pool" : "NO pool index"}, ${r.plan.scansAllRequests ? "SCANS ALL REQUESTS" : "no scan of all requests"}):\n  ${r.plan.detail.join("\n  ")}`;
  return `${pages}\n\n${offers}\n\n${plan}`;
}
