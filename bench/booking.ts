/**
 * Booking benchmark: many tenants booking at once, against Roomline (over HTTP, through
 * `wrangler dev`), against the fair peer (Node + Postgres doing the same per-booking work:
 * idempotency row, row lock, booking and outbox rows, a Stripe PaymentIntent) and against the
 * minimal row-lock baseline, with the same requests, the same client and the same machine. After
 * each run it counts over-capacity days from the successful answers, cross-checks them with what
 * the server itself reports, and replays a sample of the requests with their Idempotency-Keys.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { addDays, eachDay } from "../workers/domain/dates";
import { addBaselineRooms, baselineUsage, startBaselineServer, type Baseline, type BenchRoom } from "./baseline";
import { addFairPeerRooms, fairPeerState, startFairPeerServer, type FairPeer } from "./fair-peer";
import { httpClient, pooled, sendJson, type HttpClient } from "./http";
import type { Platform, Webhooks } from "./platform";
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
  /** Postgres pool size of both Postgres systems (the fair peer and the minimal baseline). */
  baselinePoolSize: number;
}

/** Replays this many 201 answers and as many 409 answers per scenario (systems with idempotency). */
const REPLAY_SAMPLE = 10;
/**
 * esbuild CPU in one scenario beyond its idle file watching (under 25 ms per second of wall time
 * here) by more than this means wrangler dev rebuilt the worker meanwhile (a rebuild costs 1–2 s).
 */
const REBUILD_ESBUILD_MS = 500;
const IDLE_ESBUILD_MS_PER_S = 25;
/** CPU used outside the bench (other users, other jobs) above this share of one core distorts a scenario. */
const OTHER_LOAD_SHARE = 0.2;
/** The nightly price of every bench room (benchRoom), which the fair peer charges too. */
const ROOM_PRICE = { amount: 4500, currency: "EUR" };

type System = "roomline" | "fair-peer" | "minimal-baseline";
const LABEL: Record<System, string> = {
  roomline: "Roomline",
  "fair-peer": "fair peer",
  "minimal-baseline": "minimal baseline",
};
/** The process that runs each system's own code, for "app CPU" (Postgres and the Stripe fakes are counted apart). */
const APP_PROCESS: Record<System, string> = {
  roomline: "workerd",
  "fair-peer": "fair peer (node)",
  "minimal-baseline": "baseline (node)",
};

interface Attempt {
  tenant: number;
  roomId: string;
  startDate: string;
  endDate: string;
  units: number;
  key: string;
}
interface Outcome {
  status: number;
  code: string | null;
  body: string;
  ms: number;
  doneAtMs: number;
  attempt: Attempt;
  error?: string;
}
type Usage = Map<string, Map<string, number>>;

export interface CrossCheck {
  source: string;
  agrees: boolean;
  mismatchedDays: number;
  overCapacityDaysServer: number;
  sample: string[];
  /** The fair peer: what every answer must have left in its tables (PaymentIntent, outbox row, finished key). */
  integrity?: Record<string, number>;
  integrityProblems?: string[];
}
/** Requests sent again with the same Idempotency-Key and body after the run: same status and same booking id / error code expected. */
export interface ReplayCheck {
  checked: number;
  matched: number;
  sample: string[];
  /** Replays whose whole body was byte-identical to the first answer, and where the first differing 201 and 409 parted. */
  bodiesIdentical: number;
  bodyDifferences: string[];
}
export interface ScenarioResult {
  system: System;
  scenario: "hot" | "spread";
  attempts: number;
  concurrency: number;
  wallMs: number;
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  created: number;
  roomUnavailable: number;
  landlordAtCapacity: number;
  other: Record<string, number>;
  overCapacityDays: number;
  crossCheck: CrossCheck;
  /** null for the minimal baseline, which keeps no idempotency records. */
  replay: ReplayCheck | null;
  /** Waiting for the machine to be idle before the run, and for the system's work after its last answer (webhooks, queues). */
  settleMsBefore: number;
  settleMsAfter: number;
  /** SYNs the kernel dropped because a listening socket's backlog was full, during the timed run (TcpExt ListenDrops). */
  listenDrops: number | null;
  /** Latency percentiles by outcome, and how many answers arrived in each second of the run. */
  profile: { latency: Record<string, Record<string, number>>; answersPerSecond: number[] };
  /**
   * CPU from the first request until the system was idle again, async tail included: all the
   * bench's child processes (`serverCpuMsPerAttempt`), the system's own process (`app…`: workerd
   * for Roomline, which includes its D1 and Durable Objects; the Node server for the peers) and Postgres.
   */
  cpu: CpuUsage & {
    serverCpuMsPerAttempt: number | null;
    appProcess: string;
    appCpuMsPerAttempt: number | null;
    postgresCpuMsPerAttempt: number | null;
  };
}

interface Catalog {
  hot: BenchRoom;
  spread: BenchRoom[];
  all: BenchRoom[];
  landlordId: string;
  propertyId: string;
}
interface Target {
  system: System;
  bookingUrl: string;
  replays: boolean;
  check: (usage: Usage, rooms: BenchRoom[], outcomes: Outcome[]) => Promise<CrossCheck>;
}
interface Peers {
  fair: FairPeer;
  baseline: Baseline;
}

/**
 * For each client concurrency: a fresh landlord, property and rooms (the fair peer and the
 * baseline get the same rooms), then both scenarios on Roomline, the fair peer and the minimal
 * baseline with the same requests.
 */
export async function runBookingBench(
  platform: Platform,
  o: BookingOptions,
  say: (line: string) => void,
  opts: { webhooks: Webhooks },
) {
  const tokens = tokenSettingsFromWranglerToml(join(platform.projectDir, "wrangler.toml"));
  const tenants = await mintTenants(platform.secrets.JWT_PRIVATE_KEYS!, tokens, o.attempts);
  const jwks = publicJwks(platform.secrets.JWT_PRIVATE_KEYS!);
  const fair = await startFairPeerServer({
    pgUrl: platform.pgUrl,
    jwks,
    tokens,
    poolSize: o.baselinePoolSize,
    secrets: platform.secrets,
    webhooks: opts.webhooks,
  });
  say(
    `  fair peer on ${fair.url} (schema ${fair.schema}, pool ${fair.poolSize}, own Stripe fake on ${fair.stripe.url})`,
  );
  const baseline = await startBaselineServer({ pgUrl: platform.pgUrl, jwks, tokens, poolSize: o.baselinePoolSize });
  say(
    `  minimal baseline on ${baseline.url} (schema ${baseline.schema}, pool ${baseline.poolSize}); ${tenants.length} tenant tokens minted`,
  );
  const window = bookingWindow(o);
  const rounds = [];
  try {
    for (const concurrency of o.concurrencies)
      rounds.push(await runRound(platform, { fair, baseline }, tenants, window, concurrency, o, say));
  } finally {
    await stopProcessGroup(baseline.service.child);
    await stopProcessGroup(fair.service.child);
    await stopProcessGroup(fair.stripe.service.child);
  }
  const fairPeer = {
    schema: fair.schema,
    stripeWebhooks: fair.stripe.service.output.matches,
    stripeFakeLogTail: fair.stripe.service.output.lines.slice(-5),
    logTail: fair.service.output.lines.slice(-5),
  };
  return {
    window,
    tenants: tenants.length,
    baselinePoolSize: o.baselinePoolSize,
    fairPeer,
    rounds,
    results: rounds.flatMap((r) => r.results),
  };
}

async function runRound(
  platform: Platform,
  peers: Peers,
  tenants: Tenant[],
  window: Window,
  concurrency: number,
  o: BookingOptions,
  say: (line: string) => void,
) {
  const setup = httpClient(16);
  const catalog = await createCatalog(setup, platform.api, o);
  setup.close();
  await addFairPeerRooms(platform.pgUrl, peers.fair.schema, catalog.all, catalog.landlordId, ROOM_PRICE);
  await addBaselineRooms(platform.pgUrl, peers.baseline.schema, catalog.all);
  say(
    `  round with ${concurrency} in flight: landlord ${catalog.landlordId}, 1 hot room (capacity ${o.hotCapacity}) + ${o.spreadRooms} rooms (capacity ${o.spreadCapacity})`,
  );
  const targets: Target[] = [
    {
      system: "roomline",
      bookingUrl: `${platform.api}/v1/bookings`,
      replays: true,
      check: (u, rooms) => roomlineCheck(platform.api, rooms, window, u),
    },
    {
      system: "fair-peer",
      bookingUrl: `${peers.fair.url}/bookings`,
      replays: true,
      check: (u, rooms, out) => fairPeerCheck(platform.pgUrl, peers.fair.schema, rooms, u, out),
    },
    {
      system: "minimal-baseline",
      bookingUrl: `${peers.baseline.url}/bookings`,
      replays: false,
      check: (u, rooms) => baselineCheck(platform.pgUrl, peers.baseline.schema, rooms, u),
    },
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
      say(
        `  ${LABEL[target.system]} ${scenario}: ${result.created} created, ${result.roomUnavailable + result.landlordAtCapacity} refused, ${Object.values(result.other).reduce((a, b) => a + b, 0)} other in ${(result.wallMs / 1000).toFixed(1)}s`,
      );
      results.push(result);
    }
  }
  return {
    concurrency,
    landlordId: catalog.landlordId,
    propertyId: catalog.propertyId,
    hotRoom: catalog.hot,
    spreadRooms: catalog.spread.length,
    results,
  };
}

// ---------------------------------------------------------------------------------------------
// Catalog, through the API

async function createCatalog(client: HttpClient, api: string, o: BookingOptions): Promise<Catalog> {
  const session = await sendJson<{ user: { id: string }; accessToken: string }>(
    client,
    "POST",
    `${api}/v1/auth/register`,
    201,
    {
      body: {
        email: `bench-landlord-${randomUUID()}@example.com`,
        password: "correct horse battery staple",
        name: "Bench Landlord",
        role: "landlord",
      },
    },
  );
  const auth = { authorization: `Bearer ${session.accessToken}` };
  const property = await sendJson<{ id: string }>(client, "POST", `${api}/v1/properties`, 201, {
    headers: auth,
    body: benchProperty(),
  });
  const newRoom = (name: string, capacity: number) => async (): Promise<BenchRoom> => {
    const room = await sendJson<{ id: string; capacity: number }>(
      client,
      "POST",
      `${api}/v1/properties/${property.id}/rooms`,
      201,
      { headers: auth, body: benchRoom(name, capacity) },
    );
    return { id: room.id, capacity: room.capacity };
  };
  const [hot] = await pooled([newRoom("Hot room", o.hotCapacity)], 1);
  const spread = await pooled(
    Array.from({ length: o.spreadRooms }, (_, i) => newRoom(`Room ${i + 1}`, o.spreadCapacity)),
    8,
  );
  return { hot: hot!, spread, all: [hot!, ...spread], landlordId: session.user.id, propertyId: property.id };
}

function benchProperty() {
  return {
    title: "Benchmark residence",
    description: "Rooms created by npm run bench.",
    type: "residence",
    address: { line1: "Rua Augusta 10", city: "Lisbon", postalCode: "1100-053", country: "PT" },
    location: { lat: 38.7108, lng: -9.1369 },
    amenities: ["wifi"],
    timezone: "Europe/Lisbon",
  };
}

function benchRoom(name: string, capacity: number) {
  return {
    name,
    capacity,
    rentalMode: "nightly",
    price: ROOM_PRICE,
    deposit: { amount: 0, currency: ROOM_PRICE.currency },
  };
}

// ---------------------------------------------------------------------------------------------
// Request plans

interface Window {
  from: string;
  to: string;
}

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
    return {
      tenant,
      roomId: pickRoom().id,
      startDate,
      endDate: addDays(startDate, nights),
      units: 1,
      key: `bench-${randomUUID()}`,
    };
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

async function runScenario(
  target: Target,
  scenario: ScenarioResult["scenario"],
  attempts: Attempt[],
  tenants: Tenant[],
  rooms: BenchRoom[],
  concurrency: number,
): Promise<ScenarioResult> {
  const settleMsBefore = await settle();
  const client = httpClient(concurrency);
  await client.warm(new URL("/bench-warm-up", target.bookingUrl).href, concurrency);
  const meter = cpuMeter();
  const dropsBefore = listenDrops();
  const started = performance.now();
  const outcomes = await pooled(
    attempts.map((a) => () => bookOnce(client, target.bookingUrl, a, tenants[a.tenant]!, started)),
    concurrency,
  );
  const wallMs = performance.now() - started;
  const dropsAfter = listenDrops();
  client.close();
  const settleMsAfter = await settle();
  const cpu = meter();
  const perAttempt = (ms: number | null | undefined) =>
    ms === null || ms === undefined ? null : round(ms / attempts.length, 2);
  const booked = outcomes.filter((r) => r.status === 201);
  const usage = usageOf(booked.map((r) => r.attempt));
  const latencies = outcomes.map((r) => r.ms);
  return {
    system: target.system,
    scenario,
    attempts: attempts.length,
    concurrency,
    wallMs: round(wallMs, 0),
    throughputRps: round(attempts.length / (wallMs / 1000), 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
    created: booked.length,
    roomUnavailable: outcomes.filter((r) => r.status === 409 && r.code === "room_unavailable").length,
    landlordAtCapacity: outcomes.filter((r) => r.status === 409 && r.code === "landlord_at_capacity").length,
    other: otherOutcomes(outcomes),
    overCapacityDays: overCapacity(usage, rooms).length,
    crossCheck: await target.check(usage, rooms, outcomes),
    replay: target.replays ? await replayCheck(target.bookingUrl, outcomes, tenants) : null,
    settleMsBefore,
    settleMsAfter,
    listenDrops: dropsBefore === null || dropsAfter === null ? null : dropsAfter - dropsBefore,
    profile: profileOf(outcomes),
    cpu: {
      ...roundCpu(cpu),
      serverCpuMsPerAttempt: perAttempt(cpu.serverCpuMs),
      appProcess: APP_PROCESS[target.system],
      appCpuMsPerAttempt: cpu.serverCpuByProcess
        ? perAttempt(cpu.serverCpuByProcess[APP_PROCESS[target.system]] ?? 0)
        : null,
      postgresCpuMsPerAttempt: cpu.serverCpuByProcess ? perAttempt(cpu.serverCpuByProcess.postgres ?? 0) : null,
    },
  };
}

/** The kernel's count of SYNs dropped at full listen queues (Linux /proc/net/netstat), or null elsewhere. */
function listenDrops(): number | null {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("TcpExt:"));
    const [names, values] = lines.map((l) => l.split(/\s+/));
    const at = names?.indexOf("ListenDrops") ?? -1;
    return at > 0 && values ? Number(values[at]) : null;
  } catch {
    return null;
  }
}

/**
 * After the run (outside the measurement): sends up to REPLAY_SAMPLE of the 201s and as many of
 * the 409s again, same tenant, key and body. A system with idempotency answers the same status and
 * the same booking (same `id`) or the same error `code`, and books nothing twice (a second booking
 * would have a new id). Whole bodies may differ: Roomline's replay shows the booking as it is now
 * (with its PaymentIntent, which the first answer may still have had as `preparing`).
 */
async function replayCheck(url: string, outcomes: Outcome[], tenants: Tenant[]): Promise<ReplayCheck> {
  const sample = [
    ...outcomes.filter((o) => o.status === 201).slice(0, REPLAY_SAMPLE),
    ...outcomes.filter((o) => o.status === 409).slice(0, REPLAY_SAMPLE),
  ];
  const client = httpClient(4);
  const again = await pooled(
    sample.map((o) => () => bookOnce(client, url, o.attempt, tenants[o.attempt.tenant]!, performance.now())),
    4,
  );
  client.close();
  const differ = again
    .map((r, i) => ({ r, o: sample[i]! }))
    .filter(({ r, o }) => r.status !== o.status || answerId(r) !== answerId(o));
  return {
    checked: sample.length,
    matched: sample.length - differ.length,
    sample: differ
      .slice(0, 5)
      .map(({ r, o }) => `${o.attempt.key}: first ${o.status} ${answerId(o)}, replay ${r.status} ${answerId(r)}`),
    bodiesIdentical: again.filter((r, i) => r.body === sample[i]!.body).length,
    bodyDifferences: [201, 409].flatMap((status) => {
      const i = again.findIndex(
        (r, k) => sample[k]!.status === status && r.status === status && r.body !== sample[k]!.body,
      );
      return i < 0 ? [] : [`${status}: ${whereTheyDiffer(sample[i]!.body, again[i]!.body)}`];
    }),
  };
}

/** Where two answer bodies part, with some context either side. */
function whereTheyDiffer(first: string, again: string): string {
  let i = 0;
  while (i < first.length && i < again.length && first[i] === again[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 40), i + 80));
  return `bodies differ at character ${i}: first …${around(first)}…, replay …${around(again)}…`;
}

/** What an answer is about: the booking id of a 201, the error code otherwise. */
function answerId(o: { status: number; body: string }): string | null {
  try {
    const body = JSON.parse(o.body) as { id?: unknown; code?: unknown };
    const value = o.status === 201 ? body.id : body.code;
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

function roundCpu(u: CpuUsage): CpuUsage {
  const r = (v: number | null) => (v === null ? null : round(v, 0));
  const byProcess =
    u.serverCpuByProcess &&
    Object.fromEntries(
      Object.entries(u.serverCpuByProcess)
        .filter(([, ms]) => ms > 0)
        .map(([k, ms]) => [k, round(ms, 0)]),
    );
  return {
    wallMs: round(u.wallMs, 0),
    serverCpuMs: r(u.serverCpuMs),
    serverCpuByProcess: byProcess,
    clientCpuMs: round(u.clientCpuMs, 0),
    otherCpuMs: r(u.otherCpuMs),
    machineBusyPct: round(u.machineBusyPct, 1),
  };
}

async function bookOnce(
  client: HttpClient,
  url: string,
  a: Attempt,
  tenant: Tenant,
  started: number,
): Promise<Outcome> {
  const res = await client.send("POST", url, {
    headers: { authorization: `Bearer ${tenant.token}`, "idempotency-key": a.key },
    body: { roomId: a.roomId, startDate: a.startDate, endDate: a.endDate, units: a.units },
  });
  return {
    status: res.status,
    code: errorCode(res.body),
    body: res.body,
    ms: res.ms,
    doneAtMs: performance.now() - started,
    attempt: a,
    error: res.error,
  };
}

/** Latency percentiles for all answers, the 201s and the 409s, and answers per second of wall time. */
function profileOf(outcomes: Outcome[]): ScenarioResult["profile"] {
  const pcts = (list: Outcome[]) =>
    Object.fromEntries(
      [10, 25, 50, 75, 90, 99].map((p) => [
        `p${p}`,
        round(
          percentile(
            list.map((o) => o.ms),
            p,
          ),
          0,
        ),
      ]),
    );
  const answersPerSecond: number[] = [];
  for (const o of outcomes) {
    const second = Math.floor(o.doneAtMs / 1000);
    while (answersPerSecond.length <= second) answersPerSecond.push(0);
    answersPerSecond[second]!++;
  }
  return {
    latency: {
      all: pcts(outcomes),
      created: pcts(outcomes.filter((o) => o.status === 201)),
      refused: pcts(outcomes.filter((o) => o.status === 409)),
    },
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
    if (r.status === 201 || (r.status === 409 && (r.code === "room_unavailable" || r.code === "landlord_at_capacity")))
      continue;
    const key = r.status === 0 ? `network:${r.error ?? "?"}` : `${r.status}:${r.code ?? "?"}`;
    other[key] = (other[key] ?? 0) + 1;
  }
  return other;
}

/** Units taken per room and day by the given bookings. */
export function usageOf(bookings: { roomId: string; startDate: string; endDate: string; units: number }[]): Usage {
  const usage: Usage = new Map();
  for (const b of bookings) {
    const days = usage.get(b.roomId) ?? new Map<string, number>();
    usage.set(b.roomId, days);
    for (const day of eachDay(b.startDate, b.endDate)) days.set(day, (days.get(day) ?? 0) + b.units);
  }
  return usage;
}

/** Every (room, day) with more units taken than the room has. */
function overCapacity(
  usage: Usage,
  rooms: BenchRoom[],
): { roomId: string; day: string; units: number; capacity: number }[] {
  return rooms.flatMap((room) =>
    [...(usage.get(room.id) ?? new Map<string, number>())]
      .filter(([, units]) => units > room.capacity)
      .map(([day, units]) => ({ roomId: room.id, day, units, capacity: room.capacity })),
  );
}

/** Roomline's own view: GET /v1/rooms/:id/availability must say capacity − units taken on every day. */
async function roomlineCheck(api: string, rooms: BenchRoom[], window: Window, usage: Usage): Promise<CrossCheck> {
  const client = httpClient(8);
  const sample: string[] = [];
  let mismatchedDays = 0;
  let overCapacityDaysServer = 0;
  await pooled(
    rooms.map((room) => async () => {
      const res = await sendJson<{ days: { date: string; units: number }[] }>(
        client,
        "GET",
        `${api}/v1/rooms/${room.id}/availability?from=${window.from}&to=${window.to}`,
        200,
      );
      for (const day of res.days) {
        const taken = usage.get(room.id)?.get(day.date) ?? 0;
        if (taken > room.capacity) overCapacityDaysServer++;
        if (day.units === Math.max(0, room.capacity - taken)) continue;
        mismatchedDays++;
        if (sample.length < 10)
          sample.push(`${room.id} ${day.date}: availability ${day.units}, capacity ${room.capacity} − booked ${taken}`);
      }
    }),
    8,
  );
  client.close();
  return {
    source: "GET /v1/rooms/:id/availability",
    agrees: mismatchedDays === 0,
    mismatchedDays,
    overCapacityDaysServer,
    sample,
  };
}

/** Days where the answers, a peer's booking rows and its day counters disagree, with up to ten examples. */
function compareUsage(
  rooms: BenchRoom[],
  usage: Usage,
  server: { fromBookings: Usage; fromDays: Usage },
): { mismatchedDays: number; sample: string[] } {
  const sample: string[] = [];
  let mismatchedDays = 0;
  for (const room of rooms) {
    const days = new Set([
      ...(usage.get(room.id)?.keys() ?? []),
      ...(server.fromBookings.get(room.id)?.keys() ?? []),
      ...(server.fromDays.get(room.id)?.keys() ?? []),
    ]);
    for (const day of days) {
      const [answered, rows, counters] = [usage, server.fromBookings, server.fromDays].map(
        (u) => u.get(room.id)?.get(day) ?? 0,
      );
      if (answered === rows && rows === counters) continue;
      mismatchedDays++;
      if (sample.length < 10)
        sample.push(`${room.id} ${day}: answers ${answered}, booking rows ${rows}, day counters ${counters}`);
    }
  }
  return { mismatchedDays, sample };
}

/** The minimal baseline's own view: its booking rows and its day counters must both match the answers. */
async function baselineCheck(pgUrl: string, schema: string, rooms: BenchRoom[], usage: Usage): Promise<CrossCheck> {
  const server = await baselineUsage(pgUrl, schema);
  const { mismatchedDays, sample } = compareUsage(rooms, usage, server);
  const overCapacityDaysServer = overCapacity(server.fromBookings, rooms).length;
  return {
    source: "SQL over bench_bookings and bench_room_days",
    agrees: mismatchedDays === 0,
    mismatchedDays,
    overCapacityDaysServer,
    sample,
  };
}

/**
 * The fair peer's own view: its live booking rows and its day counters must match the answers,
 * and every answer must have left what it promises: each 201 a held booking with its
 * PaymentIntent and its outbox row, each answer a finished idempotency key with the same status.
 */
async function fairPeerCheck(
  pgUrl: string,
  schema: string,
  rooms: BenchRoom[],
  usage: Usage,
  outcomes: Outcome[],
): Promise<CrossCheck> {
  const server = await fairPeerState(
    pgUrl,
    schema,
    rooms.map((r) => r.id),
    outcomes.map((o) => o.attempt.key),
  );
  const { mismatchedDays, sample } = compareUsage(rooms, usage, server);
  const created = outcomes.filter((o) => o.status === 201).length;
  const refused = outcomes.filter((o) => o.status === 409 && o.code === "room_unavailable").length;
  const i = server.integrity;
  const problems = [
    i.heldBookings !== created && `${i.heldBookings} held bookings for ${created} answers 201`,
    i.bookingsWithoutPaymentIntent > 0 && `${i.bookingsWithoutPaymentIntent} bookings without a PaymentIntent`,
    i.bookingsWithoutOutboxRow > 0 && `${i.bookingsWithoutOutboxRow} bookings without an outbox row`,
    i.keysUnfinished > 0 && `${i.keysUnfinished} idempotency keys still in progress`,
    i.keysAnswered201 !== created && `${i.keysAnswered201} keys store a 201 for ${created} answers 201`,
    i.keysAnswered409 !== refused && `${i.keysAnswered409} keys store a 409 for ${refused} answers 409`,
  ].filter((p): p is string => typeof p === "string");
  const overCapacityDaysServer = overCapacity(server.fromBookings, rooms).length;
  return {
    source: "SQL over the fair peer's bookings, day counters, outbox and idempotency keys",
    agrees: mismatchedDays === 0 && problems.length === 0,
    mismatchedDays,
    overCapacityDaysServer,
    sample,
    integrity: i,
    integrityProblems: problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

/**
 * The booking tables: one row per scenario, concurrency and system, then Roomline's figures
 * divided by the fair peer's and by the minimal baseline's.
 */
export function bookingTables(results: ScenarioResult[]): string {
  const rows = results.map((r) => [
    r.scenario,
    r.concurrency,
    LABEL[r.system],
    (r.wallMs / 1000).toFixed(2),
    r.throughputRps,
    r.p50Ms,
    r.p99Ms,
    r.created,
    r.roomUnavailable + r.landlordAtCapacity,
    Object.values(r.other).reduce((a, b) => a + b, 0),
    r.overCapacityDays,
    r.crossCheck.agrees ? "yes" : "NO",
    r.replay ? `${r.replay.matched}/${r.replay.checked}` : "—",
    r.cpu.appCpuMsPerAttempt,
    r.cpu.postgresCpuMsPerAttempt,
    r.cpu.serverCpuMsPerAttempt,
    (r.settleMsAfter / 1000).toFixed(0),
    r.listenDrops,
  ]);
  const main = table(
    [
      "scenario",
      "in flight",
      "system",
      "wall s",
      "req/s",
      "p50 ms",
      "p99 ms",
      "201",
      "409",
      "other",
      "over-cap days",
      "server agrees",
      "replays same",
      "app CPU ms/req",
      "pg CPU ms/req",
      "server CPU ms/req",
      "settle s",
      "SYNs dropped",
    ],
    rows,
  );
  const ratios = results
    .filter((r) => r.system === "roomline")
    .flatMap((r) =>
      (["fair-peer", "minimal-baseline"] as const).map((peer) => {
        const b = results.find(
          (x) => x.scenario === r.scenario && x.concurrency === r.concurrency && x.system === peer,
        );
        const cpu = (a: number | null, c: number | null | undefined) =>
          a === null || c === null || c === undefined ? null : ratio(a, c);
        return [
          r.scenario,
          r.concurrency,
          `Roomline / ${LABEL[peer]}`,
          ...(b
            ? [
                ratio(r.throughputRps, b.throughputRps),
                ratio(r.p50Ms, b.p50Ms),
                ratio(r.p99Ms, b.p99Ms),
                cpu(r.cpu.appCpuMsPerAttempt, b.cpu.appCpuMsPerAttempt),
                cpu(r.cpu.serverCpuMsPerAttempt, b.cpu.serverCpuMsPerAttempt),
              ]
            : [null, null, null, null, null]),
        ];
      }),
    );
  const other = results
    .filter((r) => Object.keys(r.other).length > 0)
    .map((r) => `  other (${LABEL[r.system]} ${r.scenario}, ${r.concurrency} in flight): ${JSON.stringify(r.other)}`);
  const mismatches = results
    .filter((r) => !r.crossCheck.agrees)
    .map(
      (r) =>
        `  cross-check (${LABEL[r.system]} ${r.scenario}, ${r.concurrency} in flight): ${r.crossCheck.mismatchedDays} days differ${r.crossCheck.sample.length ? `, e.g. ${r.crossCheck.sample.join("; ")}` : ""}${r.crossCheck.integrityProblems?.length ? `; ${r.crossCheck.integrityProblems.join("; ")}` : ""}`,
    );
  const replays = results
    .filter((r) => r.replay && r.replay.matched !== r.replay.checked)
    .map(
      (r) =>
        `  replays (${LABEL[r.system]} ${r.scenario}, ${r.concurrency} in flight): ${r.replay!.checked - r.replay!.matched} differ, e.g. ${r.replay!.sample.join("; ")}`,
    );
  const rebuilds = results
    .filter(
      (r) =>
        (r.cpu.serverCpuByProcess?.esbuild ?? 0) - (IDLE_ESBUILD_MS_PER_S * r.cpu.wallMs) / 1000 >= REBUILD_ESBUILD_MS,
    )
    .map(
      (r) =>
        `  ⚠ ${LABEL[r.system]} ${r.scenario}, ${r.concurrency} in flight: esbuild used ${r.cpu.serverCpuByProcess!.esbuild} ms CPU, so wrangler rebuilt the worker during the run (a file under workers/ changed); its figures are not clean, rerun`,
    );
  const busy = results
    .filter((r) => r.cpu.otherCpuMs !== null && r.cpu.otherCpuMs > OTHER_LOAD_SHARE * r.cpu.wallMs)
    .map(
      (r) =>
        `  ⚠ ${LABEL[r.system]} ${r.scenario}, ${r.concurrency} in flight: processes outside the bench used ${round((r.cpu.otherCpuMs! / r.cpu.wallMs) * 100, 0)}% of a core meanwhile; its figures are distorted`,
    );
  const legend =
    "  app CPU: workerd for Roomline (its D1 and Durable Objects run there), the Node server for the peers; server CPU: every process the bench started (app, Postgres, Stripe fake, wrangler), first request until idle again.";
  return [
    main,
    "",
    table(["scenario", "in flight", "ratio", "req/s", "p50", "p99", "app CPU/req", "server CPU/req"], ratios),
    legend,
    ...rebuilds,
    ...busy,
    ...other,
    ...mismatches,
    ...replays,
  ].join("\n");
}
