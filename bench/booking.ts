/**
 * Booking benchmark: many tenants booking at once, against Roomline (over HTTP, through
 * `wrangler dev`) and against the row-lock baseline, with the same requests, the same client and
 * the same machine. After each run it counts over-capacity days from the successful answers and
 * cross-checks them with what the server itself reports.
 */
import { randomUUID } from "node:crypto";
import { addDays, eachDay } from "../workers/domain/dates";
import { addBaselineRooms, baselineUsage, startBaselineServer, type Baseline, type BenchRoom } from "./baseline";
import { httpClient, pooled, sendJson, type HttpClient } from "./http";
import type { Platform } from "./platform";
import { cpuMeter, settle, type CpuUsage } from "./cpu";
import { stopProcessGroup } from "./processes";
import { percentile, ratio, round, table } from "./stats";
import { mintTenants, publicJwks, tokenSettingsFromWranglerToml, type Tenant } from "./tokens";

export interface BookingOptions {
  attempts: number;
  /** Client-side caps on requests in flight, one round each (fresh rooms per round); equal to `attempts` means all at once. */
  concurrencies: number[];
  spreadRooms: number;
  hotCapacity: number;
  spreadCapacity: number;
  /** The booking window starts this many days from today and lasts `windowDays`. */
  windowStartDays: number;
  windowDays: number;
  seed: number;
  baselinePoolSize: number;
}

interface Attempt { tenant: number; roomId: string; startDate: string; endDate: string; units: number; key: string }
interface Outcome { status: number; code: string | null; ms: number; doneAtMs: number; attempt: Attempt; error?: string }
type Usage = Map<string, Map<string, number>>;

export interface CrossCheck { source: string; agrees: boolean; mismatchedDays: number; overCapacityDaysServer: number; sample: string[] }
export interface ScenarioResult {
  system: "roomline" | "baseline"; scenario: "hot" | "spread"; attempts: number; concurrency: number; wallMs: number;
  throughputRps: number; p50Ms: number; p99Ms: number; maxMs: number; created: number; roomUnavailable: number;
  landlordAtCapacity: number; other: Record<string, number>; overCapacityDays: number; crossCheck: CrossCheck;
  /** Waiting for the machine to be idle before the run, and for the system's work after its last answer (webhooks, queues). */
  settleMsBefore: number; settleMsAfter: number;
  /** Latency percentiles by outcome, and how many answers arrived in each second of the run. */
  profile: { latency: Record<string, Record<string, number>>; answersPerSecond: number[] };
  /** CPU from the first request until the system was idle again, async tail included. */
  cpu: CpuUsage & { serverCpuMsPerAttempt: number | null };
}

interface Catalog { hot: BenchRoom; spread: BenchRoom[]; all: BenchRoom[]; landlordId: string; propertyId: string }
interface Target { system: ScenarioResult["system"]; bookingUrl: string; check: (usage: Usage, rooms: BenchRoom[]) => Promise<CrossCheck> }

/**
 * For each client concurrency: a fresh landlord, property and rooms (the baseline gets the same
 * rooms), then both scenarios on Roomline and on the baseline with the same requests.
 */
export async function runBookingBench(platform: Platform, o: BookingOptions, say: (line: string) => void) {
  const tokens = tokenSettingsFromWranglerToml();
  const tenants = await mintTenants(platform.secrets.JWT_PRIVATE_KEYS!, tokens, o.attempts);
  const baseline = await startBaselineServer({ pgUrl: platform.pgUrl, jwks: publicJwks(platform.secrets.JWT_PRIVATE_KEYS!), tokens, poolSize: o.baselinePoolSize });
  say(`  baseline on ${baseline.url} (schema ${baseline.schema}, pool ${baseline.poolSize}); ${tenants.length} tenant tokens minted`);
  const window = bookingWindow(o);
  const rounds = [];
  try {
    for (const concurrency of o.concurrencies) rounds.push(await runRound(platform, baseline, tenants, window, concurrency, o, say));
  } finally {
    await stopProcessGroup(baseline.service.child);
  }
  return { window, tenants: tenants.length, baselinePoolSize: o.baselinePoolSize, rounds, results: rounds.flatMap((r) => r.results) };
}

async function runRound(platform: Platform, baseline: Baseline, tenants: Tenant[], window: Window, concurrency: number, o: BookingOptions, say: (line: string) => void) {
  const setup = httpClient(16);
  const catalog = await createCatalog(setup, platform.api, o);
  setup.close();
  await addBaselineRooms(platform.pgUrl, baseline.schema, catalog.all);
  say(`  round with ${concurrency} in flight: landlord ${catalog.landlordId}, 1 hot room (capacity ${o.hotCapacity}) + ${o.spreadRooms} rooms (capacity ${o.spreadCapacity})`);
  const targets: Target[] = [
    { system: "roomline", bookingUrl: `${platform.api}/v1/bookings`, check: (u, rooms) => roomlineCheck(platform.api, rooms, window, u) },
    { system: "baseline", bookingUrl: `${baseline.url}/bookings`, check: (u, rooms) => baselineCheck(platform.pgUrl, baseline.schema, rooms, u) },
  ];
  // The same seed every round: the same request mix whatever the concurrency.
  const random = mulberry32(o.seed);
  const plans = {
    hot: plan(o.attempts, () => catalog.hot, window, random),
    spread: plan(o.attempts, () => catalog.spread[Math.floor(random() * catalog.spread.length)]!, window, random),
  };
  const results: ScenarioResult[] = [];
  for (const scenario of ["hot", "spread"] as const) {
    for (const target of targets) {
      const rooms = scenario === "hot" ? [catalog.hot] : catalog.spread;
      const result = await runScenario(target, scenario, plans[scenario], tenants, rooms, concurrency);
      say(`  ${target.system} ${scenario}: ${result.created} created, ${result.roomUnavailable + result.landlordAtCapacity} refused, ${Object.values(result.other).reduce((a, b) => a + b, 0)} other in ${(result.wallMs / 1000).toFixed(1)}s`);
      results.push(result);
    }
  }
  return { concurrency, landlordId: catalog.landlordId, propertyId: catalog.propertyId, hotRoom: catalog.hot, spreadRooms: catalog.spread.length, results };
}

// ---------------------------------------------------------------------------------------------
// Catalog, through the API

async function createCatalog(client: HttpClient, api: string, o: BookingOptions): Promise<Catalog> {
  const session = await sendJson<{ user: { id: string }; accessToken: string }>(client, "POST", `${api}/v1/auth/register`, 201, {
    body: { email: `bench-landlord-${randomUUID()}@example.com`, password: "correct horse battery staple", name: "Bench Landlord", role: "landlord" },
  });
  const auth = { authorization: `Bearer ${session.accessToken}` };
  const property = await sendJson<{ id: string }>(client, "POST", `${api}/v1/properties`, 201, { headers: auth, body: benchProperty() });
  const newRoom = (name: string, capacity: number) => async (): Promise<BenchRoom> => {
    const room = await sendJson<{ id: string; capacity: number }>(client, "POST", `${api}/v1/properties/${property.id}/rooms`, 201, { headers: auth, body: benchRoom(name, capacity) });
    return { id: room.id, capacity: room.capacity };
  };
  const [hot] = await pooled([newRoom("Hot room", o.hotCapacity)], 1);
  const spread = await pooled(Array.from({ length: o.spreadRooms }, (_, i) => newRoom(`Room ${i + 1}`, o.spreadCapacity)), 8);
  return { hot: hot!, spread, all: [hot!, ...spread], landlordId: session.user.id, propertyId: property.id };
}

function benchProperty() {
  return {
    title: "Benchmark residence", description: "Rooms created by npm run bench.", type: "residence",
    address: { line1: "Rua Augusta 10", city: "Lisbon", postalCode: "1100-053", country: "PT" },
    location: { lat: 38.7108, lng: -9.1369 }, amenities: ["wifi"], timezone: "Europe/Lisbon",
  };
}

function benchRoom(name: string, capacity: number) {
  return { name, capacity, rentalMode: "nightly", price: { amount: 4500, currency: "EUR" }, deposit: { amount: 0, currency: "EUR" } };
}

// ---------------------------------------------------------------------------------------------
// Request plans

interface Window { from: string; to: string }

function bookingWindow(o: BookingOptions): Window {
  const from = addDays(new Date().toISOString().slice(0, 10), o.windowStartDays);
  return { from, to: addDays(from, o.windowDays) };
}

/** `count` attempts, one per tenant, 1–7 nights inside the window, 1 unit each. */
function plan(count: number, pickRoom: () => BenchRoom, window: Window, random: () => number): Attempt[] {
  const windowDays = eachDay(window.from, window.to).length;
  return Array.from({ length: count }, (_, tenant) => {
    const nights = 1 + Math.floor(random() * 7);
    const startDate = addDays(window.from, Math.floor(random() * (windowDays - nights + 1)));
    return { tenant, roomId: pickRoom().id, startDate, endDate: addDays(startDate, nights), units: 1, key: `bench-${randomUUID()}` };
  });
}

/** A small seeded PRNG, so both systems (and reruns with the same BENCH_SEED) get the same requests. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Running and checking a scenario

async function runScenario(target: Target, scenario: ScenarioResult["scenario"], attempts: Attempt[], tenants: Tenant[], rooms: BenchRoom[], concurrency: number): Promise<ScenarioResult> {
  const settleMsBefore = await settle();
  const client = httpClient(concurrency);
  const meter = cpuMeter();
  const started = performance.now();
  const outcomes = await pooled(attempts.map((a) => () => bookOnce(client, target.bookingUrl, a, tenants[a.tenant]!, started)), concurrency);
  const wallMs = performance.now() - started;
  client.close();
  const settleMsAfter = await settle();
  const cpu = meter();
  const booked = outcomes.filter((r) => r.status === 201);
  const usage = usageOf(booked.map((r) => r.attempt));
  const latencies = outcomes.map((r) => r.ms);
  return {
    system: target.system, scenario, attempts: attempts.length, concurrency, wallMs: round(wallMs, 0),
    throughputRps: round(attempts.length / (wallMs / 1000), 1), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)), created: booked.length,
    roomUnavailable: outcomes.filter((r) => r.status === 409 && r.code === "room_unavailable").length,
    landlordAtCapacity: outcomes.filter((r) => r.status === 409 && r.code === "landlord_at_capacity").length,
    other: otherOutcomes(outcomes), overCapacityDays: overCapacity(usage, rooms).length,
    crossCheck: await target.check(usage, rooms), settleMsBefore, settleMsAfter, profile: profileOf(outcomes),
    cpu: { ...roundCpu(cpu), serverCpuMsPerAttempt: cpu.serverCpuMs === null ? null : round(cpu.serverCpuMs / attempts.length, 2) },
  };
}

function roundCpu(u: CpuUsage): CpuUsage {
  const r = (v: number | null) => (v === null ? null : round(v, 0));
  const byProcess = u.serverCpuByProcess && Object.fromEntries(Object.entries(u.serverCpuByProcess).filter(([, ms]) => ms > 0).map(([k, ms]) => [k, round(ms, 0)]));
  return { wallMs: round(u.wallMs, 0), serverCpuMs: r(u.serverCpuMs), serverCpuByProcess: byProcess, clientCpuMs: round(u.clientCpuMs, 0), otherCpuMs: r(u.otherCpuMs), machineBusyPct: round(u.machineBusyPct, 1) };
}

async function bookOnce(client: HttpClient, url: string, a: Attempt, tenant: Tenant, started: number): Promise<Outcome> {
  const res = await client.send("POST", url, {
    headers: { authorization: `Bearer ${tenant.token}`, "idempotency-key": a.key },
    body: { roomId: a.roomId, startDate: a.startDate, endDate: a.endDate, units: a.units },
  });
  return { status: res.status, code: errorCode(res.body), ms: res.ms, doneAtMs: performance.now() - started, attempt: a, error: res.error };
}

/** Latency percentiles for all answers, the 201s and the 409s, and answers per second of wall time. */
function profileOf(outcomes: Outcome[]): ScenarioResult["profile"] {
  const pcts = (list: Outcome[]) => Object.fromEntries([10, 25, 50, 75, 90, 99].map((p) => [`p${p}`, round(percentile(list.map((o) => o.ms), p), 0)]));
  const answersPerSecond: number[] = [];
  for (const o of outcomes) {
    const second = Math.floor(o.doneAtMs / 1000);
    while (answersPerSecond.length <= second) answersPerSecond.push(0);
    answersPerSecond[second]!++;
  }
  return {
    latency: { all: pcts(outcomes), created: pcts(outcomes.filter((o) => o.status === 201)), refused: pcts(outcomes.filter((o) => o.status === 409)) },
    answersPerSecond,
  };
}

function errorCode(body: string): string | null {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === "string" ? code : null;
  } catch {
    return null;
  }
}

/** Anything that is neither 201 nor a capacity 409, by status and code. */
function otherOutcomes(outcomes: Outcome[]): Record<string, number> {
  const other: Record<string, number> = {};
  for (const r of outcomes) {
    if (r.status === 201 || (r.status === 409 && (r.code === "room_unavailable" || r.code === "landlord_at_capacity"))) continue;
    const key = r.status === 0 ? `network:${r.error ?? "?"}` : `${r.status}:${r.code ?? "?"}`;
    other[key] = (other[key] ?? 0) + 1;
  }
  return other;
}

/** Units taken per room and day by the given bookings. */
function usageOf(bookings: Attempt[]): Usage {
  const usage: Usage = new Map();
  for (const b of bookings) {
    const days = usage.get(b.roomId) ?? new Map<string, number>();
    usage.set(b.roomId, days);
    for (const day of eachDay(b.startDate, b.endDate)) days.set(day, (days.get(day) ?? 0) + b.units);
  }
  return usage;
}

/** Every (room, day) with more units taken than the room has. */
function overCapacity(usage: Usage, rooms: BenchRoom[]): { roomId: string; day: string; units: number; capacity: number }[] {
  return rooms.flatMap((room) => [...(usage.get(room.id) ?? new Map<string, number>())]
    .filter(([, units]) => units > room.capacity).map(([day, units]) => ({ roomId: room.id, day, units, capacity: room.capacity })));
}

/** Roomline's own view: GET /v1/rooms/:id/availability must say capacity − units taken on every day. */
async function roomlineCheck(api: string, rooms: BenchRoom[], window: Window, usage: Usage): Promise<CrossCheck> {
  const client = httpClient(8);
  const sample: string[] = [];
  let mismatchedDays = 0;
  let overCapacityDaysServer = 0;
  await pooled(rooms.map((room) => async () => {
    const res = await sendJson<{ days: { date: string; units: number }[] }>(client, "GET", `${api}/v1/rooms/${room.id}/availability?from=${window.from}&to=${window.to}`, 200);
    for (const day of res.days) {
      const taken = usage.get(room.id)?.get(day.date) ?? 0;
      if (taken > room.capacity) overCapacityDaysServer++;
      if (day.units === Math.max(0, room.capacity - taken)) continue;
      mismatchedDays++;
      if (sample.length < 10) sample.push(`${room.id} ${day.date}: availability ${day.units}, capacity ${room.capacity} − booked ${taken}`);
    }
  }), 8);
  client.close();
  return { source: "GET /v1/rooms/:id/availability", agrees: mismatchedDays === 0, mismatchedDays, overCapacityDaysServer, sample };
}

/** The baseline's own view: its booking rows and its day counters must both match the answers. */
async function baselineCheck(pgUrl: string, schema: string, rooms: BenchRoom[], usage: Usage): Promise<CrossCheck> {
  const server = await baselineUsage(pgUrl, schema);
  const sample: string[] = [];
  let mismatchedDays = 0;
  for (const room of rooms) {
    const days = new Set([...(usage.get(room.id)?.keys() ?? []), ...(server.fromBookings.get(room.id)?.keys() ?? []), ...(server.fromDays.get(room.id)?.keys() ?? [])]);
    for (const day of days) {
      const [answered, rows, counters] = [usage, server.fromBookings, server.fromDays].map((u) => u.get(room.id)?.get(day) ?? 0);
      if (answered === rows && rows === counters) continue;
      mismatchedDays++;
      if (sample.length < 10) sample.push(`${room.id} ${day}: answers ${answered}, booking rows ${rows}, day counters ${counters}`);
    }
  }
  const overCapacityDaysServer = overCapacity(server.fromBookings, rooms).length;
  return { source: "SQL over bench_bookings and bench_room_days", agrees: mismatchedDays === 0, mismatchedDays, overCapacityDaysServer, sample };
}

// ---------------------------------------------------------------------------------------------
// Report

/** The booking tables: one row per system and scenario, then Roomline/baseline ratios. */
export function bookingTables(results: ScenarioResult[]): string {
  const rows = results.map((r) => [
    r.scenario, r.system, r.attempts, r.concurrency, (r.wallMs / 1000).toFixed(2), r.throughputRps, r.p50Ms, r.p99Ms, r.created,
    r.roomUnavailable + r.landlordAtCapacity, Object.values(r.other).reduce((a, b) => a + b, 0), r.overCapacityDays, r.crossCheck.agrees ? "yes" : "NO",
    r.cpu.serverCpuMsPerAttempt, (r.settleMsAfter / 1000).toFixed(0),
  ]);
  const main = table(["scenario", "system", "attempts", "in flight", "wall s", "req/s", "p50 ms", "p99 ms", "201", "409", "other", "over-cap days", "server agrees", "server CPU ms/req", "settle s"], rows);
  const pairs = results.filter((x) => x.system === "roomline");
  const ratios = pairs.map((r) => {
    const b = results.find((x) => x.scenario === r.scenario && x.concurrency === r.concurrency && x.system === "baseline");
    return b ? [r.scenario, r.concurrency, ratio(r.throughputRps, b.throughputRps), ratio(r.p50Ms, b.p50Ms), ratio(r.p99Ms, b.p99Ms)] : [r.scenario, r.concurrency, null, null, null];
  });
  const other = results.filter((r) => Object.keys(r.other).length > 0).map((r) => `  other (${r.system} ${r.scenario}, ${r.concurrency} in flight): ${JSON.stringify(r.other)}`);
  const mismatches = results.filter((r) => !r.crossCheck.agrees).map((r) => `  cross-check (${r.system} ${r.scenario}, ${r.concurrency} in flight): ${r.crossCheck.mismatchedDays} days differ, e.g. ${r.crossCheck.sample.join("; ")}`);
  return [main, "", table(["scenario", "in flight", "throughput Roomline/baseline", "p50 Roomline/baseline", "p99 Roomline/baseline"], ratios), ...other, ...mismatches].join("\n");
}
