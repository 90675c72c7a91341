// A Jepsen-style check of the booking saga (issue 10, "Proof"). The real platform (wrangler dev
// --local with workerd, embedded Postgres, the Stripe fake posting signed webhooks to the worker),
// isolated in a temp dir by bench/platform.ts; a landlord with a capped desk and a few small rooms;
// many tenants doing random things at once from a seeded PRNG (book, pay or fail at the fake, cancel,
// retry with the same Idempotency-Key, reuse a key for another stay, look); half way through,
// `wrangler dev` is SIGKILLed (its whole process group, workerd included) and started again on the
// same --persist-to state, and the tenants carry on. Then the system is left to settle and the
// invariants are checked against everything the platform and the fake say:
//   (a) no day of any room is over capacity: from the landlord's GET /v1/bookings (read model), from
//       the calendars (each booking's GET /v1/bookings/:id/payment), and GET /v1/rooms/:id/availability
//       (with a token, so never the 5 s edge cache) counts every live booking;
//   (b) the landlord's desk is never over its cap, in every sample taken during the run and after;
//   (c) no paid-but-unbooked hold: every PaymentIntent that succeeded at the fake belongs to a booking
//       that is confirmed, or its charge is refunded in full;
//   (d) the ledger balances: every transaction's entries sum to 0 per currency (Postgres);
//   (e) no booking is charged twice (at most one succeeded PaymentIntent per booking);
//   (f) one Idempotency-Key never yields two bookings; (g) no booking is confirmed unpaid.
// A failed invariant names the seed (HISTORY_SEED=<seed> replays the same choices) and the history
// lines of the bookings concerned; the whole history goes to $TMPDIR/roomline-booking-history-<seed>.jsonl.
//
// What stands in for production: the Stripe fake gives up on a webhook after ~4 s where Stripe retries
// for three days, so the test redelivers (signed) every acted-on event the fake still counts as
// pending; and the five-minute cron (outbox sweep, payment reconciliation, retention) is triggered
// once, through Miniflare's /cdn-cgi/handler/scheduled with a scheduled time 11 minutes ahead (as the
// first run after the outage would see it; wrangler's /__scheduled ignores `time`). The crash loses
// whatever the local queue held (Miniflare keeps queue messages in memory): Stripe events recorded in
// Postgres but never applied, which only the reconciliation brings back.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, type HttpClient } from "../../bench/http";
import { startPlatform, type Platform } from "../../bench/platform";
import { startService, teardown, type Service } from "../../bench/processes";
import { mintTenants, tokenSettingsFromWranglerToml, type Tenant } from "../../bench/tokens";
import { signPayload } from "../../fakes/stripe/webhooks";
import { STRIPE_EVENTS_ACTED_ON } from "../../schema/stripe-webhooks";
import { sleep, until, waitForHealth, WRANGLER_ENV } from "../../scripts/processes";
import { addDays, eachDay } from "../../workers/domain/dates";
import { usageOf } from "../../bench/booking";

const SEED = Number(process.env.HISTORY_SEED ?? Date.now() % 2_147_483_647);
/** Operations that reached a running platform (those during the outage do not count), and when the kill comes. */
const TOTAL_OPS = 600;
const KILL_AT_OPS = 280;
/** HISTORY_KILL=0 runs the same workload without the crash (to tell what the crash causes from what it does not). */
const KILL = process.env.HISTORY_KILL !== "0";
const WORKERS = 8;
const TENANTS_PER_WORKER = 6;
/** Contracts the landlord's desk may carry at once: fewer than the rooms hold over the window, so both limits refuse bookings. */
const CAP = 12;
const NIGHTLY_PRICE = 4500;
const ROOMS = [
  { name: "Twin A", capacity: 2, rentalMode: "nightly", price: NIGHTLY_PRICE, deposit: 0 },
  { name: "Single B", capacity: 1, rentalMode: "nightly", price: NIGHTLY_PRICE, deposit: 0 },
  { name: "Triple C", capacity: 3, rentalMode: "nightly", price: NIGHTLY_PRICE, deposit: 0 },
  { name: "Monthly D", capacity: 2, rentalMode: "monthly", price: 90_000, deposit: 50_000 },
] as const;
/** Stays start 20–33 days ahead: rooms keep the default policy (freeCancellationDays 0), so every cancel before the start refunds in full. */
const WINDOW_FROM = addDays(new Date().toISOString().slice(0, 10), 20);
const WINDOW_DAYS = 14;
const REQUEST_TIMEOUT_MS = 20_000;
/** The five-minute cron's scheduled time, ahead of the clock: past the reconciliation's waits (2 min for a PaymentIntent, 10 for a recorded event). */
const CRON_AHEAD_MS = 11 * 60_000;
const SETTLE_MS = 12_000;
const AFTER_CRON_SETTLE_MS = 15_000;
const PLATFORM_TIMEOUT_MS = 150_000;
const RUN_TIMEOUT_MS = 240_000;

// ---------------------------------------------------------------------------------------------
// The history: every request and its answer, in the order the answers came.

/** `status` is the HTTP status, 0 for no answer (connection refused or reset), NOTE for the test's own notes. */
interface Entry {
  n: number;
  ms: number;
  actor: string;
  op: string;
  req: string;
  status: number;
  res: string;
}
const NOTE = -1;
const history: Entry[] = [];
const started = Date.now();

function record(actor: string, op: string, req: string, status: number, res: string): Entry {
  const entry = {
    n: history.length,
    ms: Date.now() - started,
    actor,
    op,
    req,
    status,
    res: res.replace(/\s+/g, " ").slice(0, 240),
  };
  history.push(entry);
  return entry;
}

function line(e: Entry): string {
  return `#${e.n} +${(e.ms / 1000).toFixed(2)}s ${e.actor} ${e.op}: ${e.req} → ${e.status === NOTE ? "" : `${e.status} `}${e.res}`;
}

// ---------------------------------------------------------------------------------------------
// The platform and the clients

let platform: Platform;
let wrangler: Service;
let http: HttpClient;
let tenants: Tenant[] = [];
let landlord = { id: "", token: "" };
let rooms: { id: string; name: string; capacity: number; rentalMode: "nightly" | "monthly" }[] = [];
let webhookSecret = "";
let stripeKey = "";
let historyFile = "";
const timings: Record<string, number> = {};

interface Answer {
  status: number;
  json: any;
  text: string;
}

/** One request to the API (or the fake with `base`), recorded in the history; never throws. */
async function call(
  actor: string,
  op: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; key?: string; base?: string; summary?: (a: Answer) => string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers["idempotency-key"] = opts.key;
  const res = await http.send(method, `${opts.base ?? platform.api}${path}`, {
    body: opts.body,
    headers,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  let json: any = null;
  try {
    json = res.body ? JSON.parse(res.body) : null;
  } catch {
    /* not JSON */
  }
  const answer = { status: res.status, json, text: res.body };
  const req = `${method} ${path}${opts.key ? ` key=${opts.key}` : ""}${opts.body ? ` ${JSON.stringify(opts.body)}` : ""}`;
  const summary =
    res.status === 0
      ? `(${res.error})`
      : opts.summary
        ? opts.summary(answer)
        : json?.code
          ? String(json.code)
          : res.body.slice(0, 160);
  record(actor, op, req, res.status, summary);
  return answer;
}

const bookingSummary = (a: Answer) =>
  (a.status === 201 || a.status === 200) && a.json?.id
    ? `${a.json.id} ${a.json.status}${a.json.payment ? ` payment=${a.json.payment.status}${a.json.payment.paymentIntentId ? ` ${a.json.payment.paymentIntentId}` : ""}` : ""}`
    : String(a.json?.code ?? a.text.slice(0, 160));

beforeAll(async () => {
  const t0 = Date.now();
  platform = await startPlatform(() => undefined, {
    webhooks: "acted-on",
    localObservability: false,
    direct: false,
    logLevel: "warn",
  });
  wrangler = platform.wrangler;
  timings.platformUpS = (Date.now() - t0) / 1000;
  historyFile = join(tmpdir(), `roomline-booking-history-${SEED}.jsonl`);
  http = httpClient(64);
  webhookSecret = platform.secrets.STRIPE_WEBHOOK_SECRETS!.split(",")[0]!.trim();
  stripeKey = platform.secrets.STRIPE_SECRET_KEY!;
  tenants = await mintTenants(
    platform.secrets.JWT_PRIVATE_KEYS!,
    tokenSettingsFromWranglerToml(join(platform.projectDir, "wrangler.toml")),
    WORKERS * TENANTS_PER_WORKER,
  );

  const reg = await call("landlord", "setup", "POST", "/v1/auth/register", {
    body: {
      email: `history-landlord-${SEED}-${Date.now()}@example.com`,
      password: "correct horse battery staple",
      name: "History Landlord",
      role: "landlord",
    },
  });
  expect(reg.status, reg.text).toBe(201);
  landlord = { id: reg.json.user.id, token: reg.json.accessToken };
  const property = await call("landlord", "setup", "POST", "/v1/properties", {
    token: landlord.token,
    body: {
      title: "History residence",
      description: "Rooms of booking-history.test.ts",
      type: "residence",
      address: { line1: "Rua Augusta 10", city: "Lisbon", postalCode: "1100-053", country: "PT" },
      location: { lat: 38.7108, lng: -9.1369 },
      amenities: ["wifi"],
      timezone: "Europe/Lisbon",
    },
  });
  expect(property.status, property.text).toBe(201);
  for (const r of ROOMS) {
    const created = await call("landlord", "setup", "POST", `/v1/properties/${property.json.id}/rooms`, {
      token: landlord.token,
      body: {
        name: r.name,
        capacity: r.capacity,
        rentalMode: r.rentalMode,
        price: { amount: r.price, currency: "EUR" },
        deposit: { amount: r.deposit, currency: "EUR" },
      },
    });
    expect(created.status, created.text).toBe(201);
    rooms.push({ id: created.json.id, name: r.name, capacity: r.capacity, rentalMode: r.rentalMode });
  }
  const cap = await call("landlord", "setup", "PUT", "/v1/landlords/me/capacity", {
    token: landlord.token,
    body: { totalCapacity: CAP },
  });
  expect(cap.status, cap.text).toBe(200);
  expect(cap.json.totalCapacity).toBe(CAP);
}, PLATFORM_TIMEOUT_MS);

afterAll(async () => {
  http?.close();
  await teardown(() => undefined);
}, 60_000);

// ---------------------------------------------------------------------------------------------
// The model each worker keeps of its tenants' bookings

interface Attempt {
  key: string;
  tenant: number;
  body: { roomId: string; startDate: string; endDate: string; units: number };
  bookingId?: string;
  outcome: "booked" | "refused" | "unknown";
  code?: string;
}
interface Known {
  id: string;
  tenant: number;
  roomId: string;
  startDate: string;
  endDate: string;
  units: number;
  piId?: string;
  settled?: boolean;
  ended?: boolean;
}

const attempts: Attempt[] = [];
const known = new Map<string, Known>();
/** Cancels whose answer never came (the kill): a careful client asks again, which finishes them. */
const unfinishedCancels = new Map<string, { tenant: number; byLandlord: boolean }>();
const capacitySamples: { entry: Entry; active: number; reserved: number; total: number | null }[] = [];
const violations: { invariant: string; detail: string; ids: string[] }[] = [];
let counted = 0;
let outage = false;
let workersDone = false;

function violate(invariant: string, detail: string, ...ids: (string | undefined)[]): void {
  violations.push({ invariant, detail, ids: ids.filter((id): id is string => !!id) });
}

/** A small seeded PRNG (as bench/booking.ts's), one stream per worker so the choices replay with the seed. */
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

class Worker {
  private readonly random: () => number;
  private seq = 0;
  readonly tenantIds: number[];

  constructor(readonly w: number) {
    this.random = mulberry32(SEED * 31 + w * 7919);
    this.tenantIds = Array.from({ length: TENANTS_PER_WORKER }, (_, i) => w * TENANTS_PER_WORKER + i);
  }

  private pick<T>(items: T[]): T | undefined {
    return items.length ? items[Math.floor(this.random() * items.length)] : undefined;
  }

  async run(): Promise<void> {
    while (counted < TOTAL_OPS) {
      const tenant = this.pick(this.tenantIds)!;
      const r = this.random();
      const reached = await (r < 0.32
        ? this.book(tenant)
        : r < 0.54
          ? this.pay(tenant, "succeed")
          : r < 0.61
            ? this.pay(tenant, "fail")
            : r < 0.77
              ? this.cancel(tenant)
              : r < 0.88
                ? this.retry(tenant)
                : r < 0.92
                  ? this.reuseKey(tenant)
                  : this.look(tenant));
      if (!outage && reached) counted++;
      if (outage || !reached) await sleep(250);
      else await sleep(Math.floor(this.random() * 30));
    }
  }

  private actor(tenant: number): string {
    return `w${this.w}/t${tenant}`;
  }

  /** The bookings of this worker's tenants (each op acts as the tenant of the booking it picks). */
  private bookings(): Known[] {
    return [...known.values()].filter((b) => this.tenantIds.includes(b.tenant));
  }

  /** A new booking under a new key. */
  async book(tenant: number): Promise<boolean> {
    const room = this.pick(rooms)!;
    const nights =
      room.rentalMode === "monthly" ? 28 + Math.floor(this.random() * 14) : 1 + Math.floor(this.random() * 3);
    const startDate = addDays(
      WINDOW_FROM,
      Math.floor(this.random() * (room.rentalMode === "monthly" ? WINDOW_DAYS : WINDOW_DAYS - nights + 1)),
    );
    const units = room.capacity > 1 && this.random() < 0.15 ? 2 : 1;
    const attempt: Attempt = {
      key: `hist-${SEED}-${this.w}-${this.seq++}`,
      tenant,
      body: { roomId: room.id, startDate, endDate: addDays(startDate, nights), units },
      outcome: "unknown",
    };
    attempts.push(attempt);
    return this.send(attempt, "book");
  }

  /** Sends an attempt (again), same key and body, and learns what it came to. */
  async send(attempt: Attempt, op: string): Promise<boolean> {
    const a = await call(this.actor(attempt.tenant), op, "POST", "/v1/bookings", {
      token: tenants[attempt.tenant]!.token,
      key: attempt.key,
      body: attempt.body,
      summary: bookingSummary,
    });
    if (a.status === 201) {
      const id = String(a.json.id);
      if (attempt.bookingId && attempt.bookingId !== id) {
        violate(
          "(f) one key, one booking",
          `key ${attempt.key} answered ${attempt.bookingId} first and ${id} on ${op}`,
          attempt.bookingId,
          id,
        );
      }
      attempt.bookingId ??= id;
      attempt.outcome = "booked";
      if (!known.has(id)) known.set(id, { id, tenant: attempt.tenant, ...attempt.body });
      const pi = a.json.payment?.paymentIntentId;
      if (pi) known.get(id)!.piId = pi;
    } else if (
      a.status >= 400 &&
      a.status < 500 &&
      a.json?.code !== "idempotency_in_progress" &&
      a.json?.code !== "rate_limited"
    ) {
      if (attempt.outcome === "unknown") {
        attempt.outcome = "refused";
        attempt.code = a.json?.code;
      }
    }
    return a.status !== 0;
  }

  /** Pays (or declines) a booking at the fake: by the PaymentIntent it knows, else the one the API gives now. */
  async pay(fallback: number, how: "succeed" | "fail"): Promise<boolean> {
    // Mostly a booking not yet paid or closed; now and then any (a second payment, a late one).
    const mine = this.bookings();
    const booking = (this.random() < 0.85 ? this.pick(mine.filter((b) => !b.settled)) : undefined) ?? this.pick(mine);
    if (!booking) return this.book(fallback);
    const tenant = booking.tenant;
    if (!booking.piId) {
      const a = await call(this.actor(tenant), "payment", "GET", `/v1/bookings/${booking.id}/payment`, {
        token: tenants[tenant]!.token,
        summary: (x) =>
          x.status === 200
            ? `${x.json.status} ${x.json.paymentIntentId ?? ""}`
            : String(x.json?.code ?? x.text.slice(0, 100)),
      });
      if (a.status === 0) return false;
      if (a.status === 200 && (a.json.status === "paid" || a.json.status === "closed")) booking.settled = true;
      if (a.status === 200 && a.json.status === "closed") booking.ended = true;
      if (a.status !== 200 || !a.json.paymentIntentId) return true;
      booking.piId = a.json.paymentIntentId;
    }
    // A booking the fake's control API pays for: no API key there, as a card paying through Stripe.js.
    const a = await call(
      this.actor(tenant),
      how === "succeed" ? "pay" : "decline",
      "POST",
      `/_fake/payment_intents/${booking.piId}/${how}`,
      {
        base: platform.stripe.url,
        summary: (x) =>
          x.status === 200
            ? `${x.json.id} ${x.json.status} booking=${booking.id}`
            : `${x.json?.error?.message?.slice(0, 120) ?? x.text.slice(0, 120)} booking=${booking.id}`,
      },
    );
    if (a.status === 200 && how === "succeed") booking.settled = true;
    return a.status !== 0;
  }

  /** Cancels one of the tenant's bookings, now and then as the landlord. */
  async cancel(fallback: number): Promise<boolean> {
    const mine = this.bookings();
    const booking = (this.random() < 0.85 ? this.pick(mine.filter((b) => !b.ended)) : undefined) ?? this.pick(mine);
    if (!booking) return this.book(fallback);
    const byLandlord = this.random() < 0.2;
    return cancelBooking(booking, byLandlord, byLandlord ? "landlord" : this.actor(booking.tenant), "cancel");
  }

  /** Sends an earlier attempt again, same key and body: an unanswered one first. */
  async retry(fallback: number): Promise<boolean> {
    const mine = attempts.filter((a) => this.tenantIds.includes(a.tenant));
    const attempt = this.pick(mine.filter((a) => a.outcome === "unknown")) ?? this.pick(mine);
    if (!attempt) return this.book(fallback);
    return this.send(attempt, "retry");
  }

  /** The key of a booking sent with another stay: must never be a second booking. */
  async reuseKey(fallback: number): Promise<boolean> {
    const attempt = this.pick(attempts.filter((a) => this.tenantIds.includes(a.tenant) && a.bookingId));
    if (!attempt) return this.book(fallback);
    const tenant = attempt.tenant;
    const body = { ...attempt.body, endDate: addDays(attempt.body.endDate, 1) };
    const a = await call(this.actor(tenant), "reuse-key", "POST", "/v1/bookings", {
      token: tenants[tenant]!.token,
      key: attempt.key,
      body,
      summary: bookingSummary,
    });
    if (a.status === 201 && a.json.id !== attempt.bookingId) {
      violate(
        "(f) one key, one booking",
        `key ${attempt.key} booked ${attempt.bookingId}, then ${a.json.id} for another stay`,
        attempt.bookingId,
        a.json.id,
      );
      if (!known.has(a.json.id)) known.set(a.json.id, { id: a.json.id, tenant, ...body });
    }
    return a.status !== 0;
  }

  async look(fallback: number): Promise<boolean> {
    const booking = this.pick(this.bookings());
    if (!booking) return this.book(fallback);
    const tenant = booking.tenant;
    const a = await call(this.actor(tenant), "get", "GET", `/v1/bookings/${booking.id}`, {
      token: tenants[tenant]!.token,
      summary: bookingSummary,
    });
    return a.status !== 0;
  }
}

async function cancelBooking(booking: Known, byLandlord: boolean, actor: string, op: string): Promise<boolean> {
  const token = byLandlord ? landlord.token : tenants[booking.tenant]!.token;
  const a = await call(actor, op, "POST", `/v1/bookings/${booking.id}/cancel`, { token, summary: bookingSummary });
  if (a.status === 0 || a.status >= 500) unfinishedCancels.set(booking.id, { tenant: booking.tenant, byLandlord });
  else if (a.status === 200) {
    unfinishedCancels.delete(booking.id);
    booking.settled = true;
    booking.ended = true;
  }
  return a.status !== 0;
}

/** The landlord's desk, sampled through the run: every sample must be within the cap. */
async function watchDesk(): Promise<void> {
  while (!workersDone) {
    await sampleDesk("watch");
    await sleep(300);
  }
}

async function sampleDesk(op: string): Promise<void> {
  const a = await call("landlord", op, "GET", "/v1/landlords/me/capacity", {
    token: landlord.token,
    summary: (x) =>
      x.status === 200
        ? `active=${x.json.activeContracts} reserved=${x.json.reserved} cap=${x.json.totalCapacity}`
        : String(x.json?.code ?? x.text.slice(0, 100)),
  });
  if (a.status === 200)
    capacitySamples.push({
      entry: history.at(-1)!,
      active: a.json.activeContracts,
      reserved: a.json.reserved,
      total: a.json.totalCapacity,
    });
}

/** SIGKILL to wrangler dev's process group mid-run, then the same command on the same state dir. */
async function nemesis(): Promise<void> {
  if (!KILL) return;
  await until(() => counted >= KILL_AT_OPS || workersDone, RUN_TIMEOUT_MS);
  if (workersDone) return;
  outage = true;
  const group = wrangler.child.pid!;
  const killedAt = Date.now();
  process.kill(-group, "SIGKILL");
  record("nemesis", "kill", `SIGKILL process group ${group} (wrangler dev, workerd)`, NOTE, `after ${counted} ops`);
  const gone = await until(() => {
    try {
      process.kill(-group, 0);
      return false;
    } catch {
      return true;
    }
  }, 10_000);
  if (!gone) throw new Error(`wrangler dev's process group ${group} survived SIGKILL`);
  await sleep(1000); // tenants keep trying (and paying at the fake) while nothing answers
  const [command, ...args] = wrangler.child.spawnargs;
  wrangler = startService(
    "wrangler dev (restarted)",
    command!,
    args,
    {
      ...WRANGLER_ENV,
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_PG: platform.pgUrl,
      X_LOCAL_OBSERVABILITY: "false",
    },
    {},
    platform.projectDir,
  );
  await waitForHealth(platform.api, 90_000, {
    check: () => {
      if (wrangler.child.exitCode !== null)
        throw new Error(`restarted wrangler dev exited (${wrangler.child.exitCode}):\n${wrangler.output.tail()}`);
    },
    hint: () => `:\n${wrangler.output.tail()}`,
  });
  timings.outageS = (Date.now() - killedAt) / 1000;
  record(
    "nemesis",
    "restart",
    `wrangler dev on the same --persist-to`,
    NOTE,
    `healthy after ${timings.outageS.toFixed(1)}s`,
  );
  outage = false;
}

// ---------------------------------------------------------------------------------------------
// Reading the system's state

/** Every object of a Stripe list on the fake (with the secret key), all pages. */
async function stripeList(path: string): Promise<any[]> {
  const all: any[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await http.send(
      "GET",
      `${platform.stripe.url}${path}${path.includes("?") ? "&" : "?"}limit=100${after ? `&starting_after=${after}` : ""}`,
      { headers: { authorization: `Bearer ${stripeKey}` } },
    );
    if (res.status !== 200)
      throw new Error(`GET ${path} on the Stripe fake answered ${res.status}: ${res.body.slice(0, 300)}`);
    const page = JSON.parse(res.body) as { data: any[]; has_more: boolean };
    all.push(...page.data);
    if (!page.has_more || page.data.length === 0) return all;
    after = page.data.at(-1).id;
  }
}

const redelivered = new Set<string>();

/**
 * Stripe keeps retrying a webhook for three days; the fake gives up after ~4 s, so events it sent
 * while wrangler dev was down are delivered again here (same event, freshly signed), once each.
 */
async function redeliverPending(): Promise<void> {
  const events = await stripeList("/v1/events");
  const due = events.filter(
    (e) =>
      e.pending_webhooks > 0 &&
      !redelivered.has(e.id) &&
      (STRIPE_EVENTS_ACTED_ON as readonly string[]).includes(e.type) &&
      e.created * 1000 < Date.now() - 5000,
  );
  for (const event of due) {
    // bench/http.ts sends JSON.stringify(body): the signature is over exactly those bytes.
    const res = await http.send("POST", `${platform.api}/v1/webhooks/stripe`, {
      body: event,
      headers: { "stripe-signature": signPayload(JSON.stringify(event), webhookSecret) },
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    record(
      "stripe",
      "redeliver",
      `POST /v1/webhooks/stripe ${event.type} ${event.id} (${event.data?.object?.id})`,
      res.status,
      res.body.slice(0, 120),
    );
    if (res.status === 200) redelivered.add(event.id);
  }
}

type CalendarStatus = "held" | "confirmed" | "ended" | "unknown";

/** What each booking's calendar says now, through its tenant's GET /v1/bookings/:id/payment. */
async function calendarStatuses(ids: string[]): Promise<Map<string, { status: CalendarStatus; piId?: string }>> {
  const out = new Map<string, { status: CalendarStatus; piId?: string }>();
  await Promise.all(
    ids.map(async (id) => {
      const b = known.get(id)!;
      const a = await call("checker", "payment", "GET", `/v1/bookings/${id}/payment`, {
        token: tenants[b.tenant]!.token,
        summary: (x) =>
          x.status === 200
            ? `${id} ${x.json.status} ${x.json.paymentIntentId ?? ""}`
            : String(x.json?.code ?? x.text.slice(0, 100)),
      });
      if (a.status !== 200) return out.set(id, { status: "unknown" });
      const s = a.json.status as string;
      if (a.json.paymentIntentId) b.piId ??= a.json.paymentIntentId;
      out.set(id, {
        status: s === "paid" ? "confirmed" : s === "closed" ? "ended" : "held",
        piId: a.json.paymentIntentId,
      });
    }),
  );
  return out;
}

interface Snapshot {
  calendar: Map<string, { status: CalendarStatus; piId?: string }>;
  intents: any[];
  succeeded: any[];
  charges: Map<string, any>;
}

async function snapshot(): Promise<Snapshot> {
  const intents = (await stripeList("/v1/payment_intents")).filter((pi) => pi.metadata?.bookingId);
  // Bookings the tenants never heard of (an answer lost in the kill) that reached the fake or the read model.
  for (const pi of intents) await learnBooking(pi.metadata.bookingId, pi.metadata.tenantId);
  for (const b of await landlordBookings()) await learnBooking(b.id, b.tenantId);
  const calendar = await calendarStatuses([...known.keys()]);
  const succeeded = intents.filter((pi) => pi.status === "succeeded");
  const charges = new Map<string, any>();
  await Promise.all(
    succeeded.map(async (pi) => {
      const res = await http.send("GET", `${platform.stripe.url}/v1/charges/${pi.latest_charge}`, {
        headers: { authorization: `Bearer ${stripeKey}` },
      });
      if (res.status === 200) charges.set(pi.id, JSON.parse(res.body));
    }),
  );
  return { calendar, intents, succeeded, charges };
}

async function learnBooking(id: string, tenantId?: string): Promise<void> {
  if (known.has(id)) return;
  const tenant = tenants.findIndex((t) => t.id === tenantId);
  const a = await call("checker", "learn", "GET", `/v1/bookings/${id}`, {
    token: landlord.token,
    summary: bookingSummary,
  });
  if (a.status !== 200) return;
  const t = tenant >= 0 ? tenant : tenants.findIndex((x) => x.id === a.json.tenantId);
  if (t < 0) return;
  known.set(id, {
    id,
    tenant: t,
    roomId: a.json.roomId,
    startDate: a.json.startDate,
    endDate: a.json.endDate,
    units: a.json.units,
  });
}

/** Paid holds still waiting for their confirmation or refund: the system has not settled. */
function unsettled(s: Snapshot): string[] {
  const out: string[] = [];
  for (const pi of s.succeeded) {
    const status = s.calendar.get(pi.metadata.bookingId)?.status;
    const refunded = (s.charges.get(pi.id)?.amount_refunded ?? 0) >= pi.amount;
    if (status === "held" || (status !== "confirmed" && !refunded))
      out.push(
        `${pi.metadata.bookingId} (${pi.id}, calendar ${status}, refunded ${s.charges.get(pi.id)?.amount_refunded ?? "?"}/${pi.amount})`,
      );
  }
  return out;
}

async function settle(deadlineMs: number, label: string): Promise<{ snap: Snapshot; left: string[] }> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    await redeliverPending();
    const snap = await snapshot();
    const left = unsettled(snap);
    if (left.length === 0 || Date.now() > deadline) {
      record(
        "checker",
        label,
        "paid holds not yet confirmed or refunded",
        NOTE,
        `${left.length} left ${left.slice(0, 5).join(", ")}`,
      );
      return { snap, left };
    }
    await sleep(1000);
  }
}

/** Every booking the landlord's GET /v1/bookings lists (the D1 read model), all pages. */
async function landlordBookings(): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | null = null;
  for (;;) {
    const a = await call(
      "checker",
      "list",
      "GET",
      `/v1/bookings?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      {
        token: landlord.token,
        summary: (x) =>
          x.status === 200 ? `${x.json.items.length} bookings` : String(x.json?.code ?? x.text.slice(0, 100)),
      },
    );
    if (a.status !== 200)
      throw new Error(`GET /v1/bookings as the landlord answered ${a.status}: ${a.text.slice(0, 300)}`);
    all.push(...a.json.items);
    cursor = a.json.nextCursor;
    if (!cursor) return all;
  }
}

function covering(
  bookings: { id: string; roomId: string; startDate: string; endDate: string }[],
  roomId: string,
  day: string,
): string[] {
  return bookings.filter((b) => b.roomId === roomId && b.startDate <= day && day < b.endDate).map((b) => b.id);
}

// ---------------------------------------------------------------------------------------------

describe("booking history under concurrency and a wrangler dev crash", () => {
  it(
    "keeps every invariant",
    async () => {
      const runStarted = Date.now();
      const workers = Array.from({ length: WORKERS }, (_, w) => new Worker(w));
      const desk = watchDesk();
      const fault = nemesis();
      await Promise.all(workers.map((w) => w.run()));
      workersDone = true;
      await Promise.all([desk, fault]);
      timings.workloadS = (Date.now() - runStarted) / 1000;

      // A careful client: every attempt and cancel whose answer was lost is asked again until it has one.
      const settleStarted = Date.now();
      for (let round = 0; round < 5; round++) {
        const open = attempts.filter((a) => a.outcome === "unknown");
        const cancels = [...unfinishedCancels.entries()];
        if (open.length === 0 && cancels.length === 0) break;
        await Promise.all(open.map((a) => workers[0]!.send(a, "final-retry")));
        await Promise.all(
          cancels.map(([id, c]) =>
            cancelBooking(known.get(id)!, c.byLandlord, c.byLandlord ? "landlord" : `t${c.tenant}`, "final-cancel"),
          ),
        );
        if (attempts.some((a) => a.outcome === "unknown") || unfinishedCancels.size) await sleep(1000);
      }

      // Settle: queue consumers, calendar alarms, webhooks (redelivered where the fake gave up).
      await settle(SETTLE_MS, "settled?");
      // Miniflare's scheduled handler takes the trigger's time (wrangler's /__scheduled ignores `time`): the
      // reconciliation only looks at what is minutes old, as the first run after the outage would find it.
      let cron = await call(
        "checker",
        "cron",
        "GET",
        `/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&time=${Date.now() + CRON_AHEAD_MS}`,
        { summary: (x) => x.text.slice(0, 100) },
      );
      if (cron.status === 404)
        cron = await call("checker", "cron", "GET", "/__scheduled?cron=*/5+*+*+*+*", {
          summary: (x) => x.text.slice(0, 100),
        });
      const { snap, left } = await settle(AFTER_CRON_SETTLE_MS, "settled after cron?");
      timings.settleS = (Date.now() - settleStarted) / 1000;

      // ---- (a) no day of any room over capacity
      const listed = await landlordBookings();
      const liveListed = listed.filter((b) => b.status === "held" || b.status === "confirmed");
      const liveCalendar = [...known.values()].filter((b) => {
        const s = snap.calendar.get(b.id)?.status;
        return s === "held" || s === "confirmed";
      });
      for (const [source, live] of [
        ["read model (GET /v1/bookings)", liveListed],
        ["calendars (GET /v1/bookings/:id/payment)", liveCalendar],
      ] as const) {
        for (const [roomId, days] of usageOf(live)) {
          const room = rooms.find((r) => r.id === roomId)!;
          for (const [day, units] of days) {
            if (units > room.capacity)
              violate(
                "(a) room over capacity",
                `${source}: ${room.name} ${roomId} has ${units} units live on ${day}, capacity ${room.capacity}`,
                ...covering(live, roomId, day),
              );
          }
        }
      }
      const calendarUsage = usageOf(liveCalendar);
      for (const room of rooms) {
        const to = addDays(WINDOW_FROM, WINDOW_DAYS + 45);
        const a = await call(
          "checker",
          "availability",
          "GET",
          `/v1/rooms/${room.id}/availability?from=${WINDOW_FROM}&to=${to}`,
          {
            token: landlord.token,
            summary: (x) =>
              x.status === 200
                ? x.json.days
                    .filter((d: any) => d.units < room.capacity)
                    .map((d: any) => `${d.date.slice(5)}:${d.units}`)
                    .join(" ")
                : String(x.json?.code ?? x.text.slice(0, 100)),
          },
        );
        if (a.status !== 200) {
          violate("(a) room over capacity", `availability of ${room.id} answered ${a.status}: ${a.text.slice(0, 200)}`);
          continue;
        }
        for (const d of a.json.days as { date: string; available: boolean; units: number }[]) {
          const live = calendarUsage.get(room.id)?.get(d.date) ?? 0;
          if (d.units < 0 || d.units > room.capacity)
            violate(
              "(a) room over capacity",
              `availability of ${room.name} on ${d.date}: ${d.units} free of ${room.capacity}`,
            );
          else if (room.capacity - d.units < live)
            violate(
              "(a) room over capacity",
              `availability of ${room.name} on ${d.date} counts ${room.capacity - d.units} units taken, but ${live} are live at the calendar`,
              ...covering(liveCalendar, room.id, d.date),
            );
        }
      }

      // ---- (b) the desk never over its cap
      await sampleDesk("final");
      for (const s of capacitySamples) {
        if (s.total !== CAP) violate("(b) desk over cap", `cap changed to ${s.total} (#${s.entry.n})`);
        else if (s.active > CAP)
          violate("(b) desk over cap", `${s.active} active contracts, cap ${CAP} (#${s.entry.n})`);
        else if (s.active + s.reserved > CAP)
          violate(
            "(b) desk over cap",
            `${s.active} active + ${s.reserved} reserved contracts, cap ${CAP} (#${s.entry.n})`,
          );
      }
      const confirmedNow = liveCalendar.filter((b) => snap.calendar.get(b.id)?.status === "confirmed");
      if (confirmedNow.length > CAP)
        violate(
          "(b) desk over cap",
          `${confirmedNow.length} bookings confirmed at their calendars, cap ${CAP}`,
          ...confirmedNow.map((b) => b.id),
        );

      // ---- (c) no paid-but-unbooked hold; (e) no booking charged twice; (g) nothing confirmed unpaid
      const db = new pg.Client({ connectionString: platform.pgUrl });
      await db.connect();
      /** What Postgres recorded of a PaymentIntent's webhooks (for the report): type, received, applied. */
      const eventsOf = async (piId: string) =>
        (
          await db.query<{ id: string; type: string; received_at: Date; processed_at: Date | null }>(
            "select id, type, received_at, processed_at from stripe_events where payload->'data'->'object'->>'id' = $1 order by received_at",
            [piId],
          )
        ).rows
          .map(
            (r) =>
              `${r.type} ${r.id} received +${((r.received_at.getTime() - started) / 1000).toFixed(2)}s ${r.processed_at ? `applied +${((r.processed_at.getTime() - started) / 1000).toFixed(2)}s` : "never applied"}`,
          )
          .join("; ") || "no webhook recorded";
      for (const pi of snap.succeeded) {
        const bookingId = pi.metadata.bookingId as string;
        const status = snap.calendar.get(bookingId)?.status ?? "unknown";
        const charge = snap.charges.get(pi.id);
        if (status !== "confirmed" && !(charge && charge.amount_refunded >= pi.amount)) {
          violate(
            "(c) paid but not booked",
            `${pi.id} succeeded (${pi.amount} ${pi.currency}) for ${bookingId}, which its calendar has ${status}, refunded ${charge?.amount_refunded ?? "?"}; Postgres stripe_events: ${await eventsOf(pi.id)}`,
            bookingId,
            pi.id,
          );
        }
      }
      const paidPerBooking = new Map<string, string[]>();
      for (const pi of snap.succeeded)
        paidPerBooking.set(pi.metadata.bookingId, [...(paidPerBooking.get(pi.metadata.bookingId) ?? []), pi.id]);
      for (const [bookingId, pis] of paidPerBooking)
        if (pis.length > 1)
          violate(
            "(e) charged twice",
            `${bookingId} has ${pis.length} succeeded PaymentIntents: ${pis.join(", ")}`,
            bookingId,
            ...pis,
          );
      for (const b of confirmedNow)
        if (!paidPerBooking.has(b.id))
          violate("(g) confirmed unpaid", `${b.id} is confirmed at its calendar with no succeeded PaymentIntent`, b.id);

      // ---- (d) the ledger balances
      let ledger: { transactions: number; entries: number; leases: number };
      try {
        const unbalanced = await db.query<{ transaction_id: string; currency: string; total: string }>(
          "select transaction_id, currency, sum(amount)::text as total from ledger_entries group by transaction_id, currency having sum(amount) <> 0",
        );
        for (const r of unbalanced.rows)
          violate("(d) ledger unbalanced", `transaction ${r.transaction_id} sums to ${r.total} ${r.currency}`);
        const counts = await db.query<{ t: string; e: string; l: string }>(
          "select (select count(*) from ledger_transactions) as t, (select count(*) from ledger_entries) as e, (select count(*) from leases) as l",
        );
        ledger = {
          transactions: Number(counts.rows[0]!.t),
          entries: Number(counts.rows[0]!.e),
          leases: Number(counts.rows[0]!.l),
        };
      } finally {
        await db.end();
      }

      // ---- the report
      const statusCounts: Record<string, number> = {};
      for (const e of history.filter((x) => x.status !== NOTE))
        statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
      const summary = {
        seed: SEED,
        ops: counted,
        requests: history.length,
        statuses: statusCounts,
        bookings: known.size,
        calendar: Object.fromEntries(
          ["held", "confirmed", "ended", "unknown"].map((s) => [
            s,
            [...snap.calendar.values()].filter((c) => c.status === s).length,
          ]),
        ),
        readModel: Object.fromEntries(
          ["held", "confirmed", "cancelled", "expired", "payment_failed"].map((s) => [
            s,
            listed.filter((b) => b.status === s).length,
          ]),
        ),
        paymentIntents: snap.intents.length,
        succeeded: snap.succeeded.length,
        refundedInFull: [...snap.charges.values()].filter((c) => c.amount_refunded >= c.amount).length,
        redelivered: redelivered.size,
        unknownAttempts: attempts.filter((a) => a.outcome === "unknown").length,
        unsettledAfterWait: left.length,
        cron: `${cron.status} ${cron.text.slice(0, 40)}`,
        ledger,
        timings,
      };
      console.log(`booking history: ${JSON.stringify(summary)}`);
      writeFileSync(historyFile, history.map((e) => JSON.stringify(e)).join("\n") + "\n");
      if (violations.length)
        console.log(
          `wrangler dev (restarted) errors: ${JSON.stringify(wrangler.output.errorKinds)}\nlast lines:\n${wrangler.output.tail(60)}`,
        );
      expect(violations, report()).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );
});

/** The failed invariants with the seed and, for each, the history lines of the bookings and PaymentIntents concerned. */
function report(): string {
  const parts = [`seed ${SEED} (HISTORY_SEED=${SEED} to replay the same choices); full history: ${historyFile}`];
  for (const v of violations.slice(0, 8)) {
    const ids = new Set(v.ids);
    for (const id of v.ids) {
      const pi = known.get(id)?.piId;
      if (pi) ids.add(pi);
    }
    // The checker's polls repeat themselves: only the last of identical lines is kept.
    const concerned = history.filter((e) => [...ids].some((id) => e.req.includes(id) || e.res.includes(id)));
    const sig = (e: Entry) => `${e.actor} ${e.op} ${e.req} ${e.status} ${e.res}`;
    const lastOf = new Map(concerned.map((e) => [sig(e), e.n]));
    const lines = concerned.filter((e) => lastOf.get(sig(e)) === e.n).slice(-30);
    const kill = history.filter((e) => e.actor === "nemesis");
    parts.push(
      `\n${v.invariant}: ${v.detail}\n  ${[...kill, ...lines]
        .sort((a, b) => a.n - b.n)
        .map(line)
        .join("\n  ")}`,
    );
  }
  if (violations.length > 8) parts.push(`\n… and ${violations.length - 8} more`);
  return parts.join("\n");
}
