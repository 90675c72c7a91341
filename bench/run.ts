/**
 * `npm run bench`: starts an isolated Roomline (own Postgres, Stripe fake, secrets and wrangler
 * state in a temp dir), runs the booking benchmark (Roomline vs a fair Node + Postgres peer and a
 * minimal row-lock baseline) and the billing benchmark, prints tables, writes JSON to
 * bench/results/ and tears everything down.
 *
 * Env: BENCH_ONLY=booking|billing|outbox|search|recommendations|chat|pool|web, BENCH_WEB_RUNS (10), BENCH_POOL_USERS (100000), BENCH_POOL_LANDLORDS (5000),
 * BENCH_POOL_ROOMS (20000), BENCH_POOL_REQUESTS (10000), BENCH_POOL_PAGES (1000), BENCH_POOL_OFFERS (200), BENCH_POOL_CONCURRENCY (8), BENCH_CHAT_MESSAGES (10000), BENCH_CHAT_SENDER_RATE (5 per second), BENCH_OUTBOX_EVENTS (100000), BENCH_SEARCH_LISTINGS (100000),
 * BENCH_SEARCH_QUERIES (1000), BENCH_SEARCH_CONCURRENCY (8), BENCH_SEARCH_CONCURRENT_QUERIES (200), BENCH_SEARCH_ORAMA_BUDGET_S (300),
 * BENCH_SEARCH_LAG_SAMPLES (5), BENCH_ATTEMPTS (1000), BENCH_CONCURRENCY (comma list, one round each; "<attempts>,200"),
 * BENCH_SPREAD_ROOMS (100), BENCH_LEASES (100000), BENCH_LEASE_START_DAYS (5), BENCH_SEED (42),
 * BENCH_BASELINE_POOL (20, both Postgres peers), BENCH_STRIPE_WEBHOOKS=off|all (diagnosis: the fakes keep their events
 * instead of posting the acted-on types to the worker and the fair peer, or post every type), BENCH_LOCAL_OBSERVABILITY=on (keep wrangler's local trace collector),
 * BENCH_RECO_LISTINGS (100000), BENCH_RECO_TENANTS (1000), BENCH_RECO_CONCURRENCY (8), BENCH_RECO_INDEX_TIMEOUT_MIN (30),
 * DATABASE_URL (use a scratch database there instead of an embedded Postgres).
 */
import { billingTables, runBillingBench, type BillingOptions } from "./billing";
import { chatTables, runChatBench, type ChatOptions } from "./chat";
import { bookingTables, runBookingBench, type BookingOptions } from "./booking";
import { outboxTable, runOutboxBench } from "./outbox";
import { recommendationsTables, runRecommendationsBench, type RecommendationsOptions } from "./recommendations";
import { poolTables, runPoolBench, type PoolOptions } from "./pool";
import { runWebBench, webTables } from "./web";
import { buildWeb } from "../scripts/assets";
import { runSearchBench, searchTables, type SearchOptions } from "./search";
import { startPlatform, type Platform, type Webhooks } from "./platform";
import { teardown } from "./processes";
import { machineInfo, writeResults } from "./results";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const only = process.env.BENCH_ONLY;
let stopping = false;

for (const signal of SIGNALS) process.on(signal, () => void stop(130, `\nReceived ${signal}, tearing down…`));

try {
  await main();
  await stop(0);
} catch (err) {
  console.error(`\n✗ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stop(1);
}

async function main(): Promise<void> {
  if (only && !["booking", "billing", "outbox", "search", "recommendations", "chat", "pool", "web"].includes(only))
    throw new Error(
      `BENCH_ONLY must be booking, billing, outbox, search, recommendations, chat, pool or web, not ${only}`,
    );
  const startedAt = new Date();
  const booking = bookingOptions();
  const billing = billingOptions();
  const outbox = { events: envInt("BENCH_OUTBOX_EVENTS", 100_000) };
  const search: SearchOptions = {
    listings: envInt("BENCH_SEARCH_LISTINGS", 100_000),
    queries: envInt("BENCH_SEARCH_QUERIES", 1000),
    concurrency: envInt("BENCH_SEARCH_CONCURRENCY", 8),
    concurrentQueries: envInt("BENCH_SEARCH_CONCURRENT_QUERIES", 200),
    seed: envInt("BENCH_SEED", 42),
    lagSamples: envInt("BENCH_SEARCH_LAG_SAMPLES", 5),
    oramaBudgetMs: envInt("BENCH_SEARCH_ORAMA_BUDGET_S", 300) * 1000,
  };
  const recommendations: RecommendationsOptions = {
    // 100,000 would take about an hour through the listing consumer (bench/README.md, "Recommendations benchmark")
    listings: envInt("BENCH_RECO_LISTINGS", 100_000),
    tenants: envInt("BENCH_RECO_TENANTS", 1000),
    concurrency: envInt("BENCH_RECO_CONCURRENCY", 8),
    seed: envInt("BENCH_SEED", 42),
    indexTimeoutMs: envInt("BENCH_RECO_INDEX_TIMEOUT_MIN", 30) * 60_000,
  };
  const chat: ChatOptions = {
    messages: envInt("BENCH_CHAT_MESSAGES", 10_000),
    // CHAT_LIMITER allows 60 frames per 10 s per user: 5 a second stays under it.
    senderRate: envInt("BENCH_CHAT_SENDER_RATE", 5),
    layouts: (process.env.BENCH_CHAT_LAYOUTS ?? "").split(",").filter(Boolean),
  };
  const pool: PoolOptions = {
    users: envInt("BENCH_POOL_USERS", 100_000),
    landlords: envInt("BENCH_POOL_LANDLORDS", 5000),
    rooms: envInt("BENCH_POOL_ROOMS", 20_000),
    requests: envInt("BENCH_POOL_REQUESTS", 10_000),
    pages: envInt("BENCH_POOL_PAGES", 1000),
    offers: envInt("BENCH_POOL_OFFERS", 200),
    concurrency: envInt("BENCH_POOL_CONCURRENCY", 8),
    seed: envInt("BENCH_SEED", 42),
  };
  const webhooks = webhooksOption(process.env.BENCH_STRIPE_WEBHOOKS);
  // wrangler's local trace collector has no production counterpart; off unless asked for.
  const localObservability = process.env.BENCH_LOCAL_OBSERVABILITY === "on";
  // wrangler dev's proxy workerd is local-only too: load goes to the worker's own workerd unless asked otherwise.
  const direct = process.env.BENCH_DIRECT !== "off";
  // One JSON line per request is production's default; locally each line costs wrangler's Node process CPU to relay.
  const logLevel = process.env.BENCH_LOG_LEVEL ?? "warn";
  // Built before the platform snapshots the project, so its static assets hold this build.
  const web = !only || only === "web" ? await buildWeb() : null;
  const platform = await startPlatform(say, { webhooks, localObservability, direct, logLevel });
  const out: Record<string, unknown> = {
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    options: {
      only: only ?? "all",
      stripeWebhooks: webhooks,
      wranglerLocalObservability: localObservability,
      direct,
      logLevel,
      booking,
      billing,
      outbox,
      search,
      recommendations,
      chat,
      pool,
    },
  };
  if (!only || only === "booking") {
    say("\n▸ Booking benchmark");
    const result = await runBookingBench(platform, booking, say, { webhooks });
    say(
      `\nBooking (${booking.attempts} attempts per scenario and round; window ${result.window.from} … ${result.window.to})\n${bookingTables(result.results)}`,
    );
    out.booking = result;
  }
  if (!only || only === "billing") {
    say("\n▸ Billing benchmark");
    const result = await runBillingBench(platform, billing, say);
    say(`\nBilling (${billing.leases} leases)\n${billingTables(result)}`);
    out.billing = result;
  }
  if (!only || only === "outbox") {
    say("\n▸ Outbox sweep benchmark");
    const result = await runOutboxBench(platform, outbox, say);
    say(`\nOutbox sweep (${outbox.events} unsent events)\n${outboxTable(result)}`);
    out.outbox = result;
  }
  if (!only || only === "search") {
    say("\n▸ Search benchmark");
    const result = await runSearchBench(platform, search, say);
    say(
      `\nSearch (${result.listings} listings in ${result.properties} properties, ${result.queries} queries)\n${searchTables(result)}`,
    );
    out.search = result;
  }
  if (!only || only === "recommendations") {
    say("\n▸ Recommendations benchmark");
    const result = await runRecommendationsBench(platform, recommendations, say);
    say(
      `\nRecommendations (${result.listings} listings in ${result.properties} properties, ${result.tenants} tenants)\n${recommendationsTables(result)}`,
    );
    out.recommendations = result;
  }
  if (!only || only === "chat") {
    say("\n▸ Chat benchmark");
    const rows = await runChatBench(platform, chat, say);
    say(
      `\nChat (${chat.messages} messages per layout and system, at most ${chat.senderRate}/s per sender)\n${chatTables(rows)}`,
    );
    out.chat = rows;
  }
  if (!only || only === "pool") {
    say("\n▸ Request pool benchmark");
    const result = await runPoolBench(platform, pool, say);
    say(
      `\nRequest pool (${result.users} users, ${result.landlords} landlords, ${result.rooms} rooms, ${result.requests} open requests)\n${poolTables(result)}`,
    );
    out.pool = result;
  }
  if (web) {
    say("\n▸ Web app benchmark");
    const result = await runWebBench(platform, { runs: envInt("BENCH_WEB_RUNS", 10) }, web.jsGzipBytes, say);
    say(`\nWeb app (${result.jsGzipKB} KB of JavaScript, gzip)\n${webTables(result)}`);
    out.web = result;
  }
  out.platform = platformReport(platform);
  out.durationMs = Date.now() - startedAt.getTime();
  const path = writeResults(only ?? "bench", startedAt, out);
  say(`\n${sideEffects(platform)}`);
  say(
    `Results: ${path} (and bench/results/latest.json). Total ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s.`,
  );
}

function bookingOptions(): BookingOptions {
  const attempts = envInt("BENCH_ATTEMPTS", 1000);
  return {
    attempts,
    concurrencies: envInts("BENCH_CONCURRENCY", [attempts, Math.min(200, attempts)]),
    spreadRooms: envInt("BENCH_SPREAD_ROOMS", 100),
    hotCapacity: 10,
    spreadCapacity: 3,
    windowStartDays: 10,
    windowDays: 30,
    seed: envInt("BENCH_SEED", 42),
    baselinePoolSize: envInt("BENCH_BASELINE_POOL", 20),
  };
}

function billingOptions(): BillingOptions {
  return {
    leases: envInt("BENCH_LEASES", 100_000),
    startInDays: envInt("BENCH_LEASE_START_DAYS", 5),
    insertBatch: 10_000,
  };
}

function platformReport(p: Platform) {
  return {
    postgres: p.embeddedPg ? "embedded (temp dir)" : "scratch database on DATABASE_URL",
    workerErrorLines: p.wrangler.output.errorLines,
    workerErrorKinds: p.wrangler.output.errorKinds,
    stripeWebhooks: p.stripe.service.output.matches,
    stripeFakeLogTail: p.stripe.service.output.lines.slice(-5),
  };
}

/** What the worker logged as errors and how webhook delivery went, over the whole run. */
function sideEffects(p: Platform): string {
  const kinds = Object.entries(p.wrangler.output.errorKinds).map(([kind, k]) => `    ${k.count} × ${kind}`);
  const hooks = p.stripe.service.output.matches;
  return [
    `Worker error lines logged: ${p.wrangler.output.errorLines}${kinds.length ? ` by kind:\n${kinds.join("\n")}` : ""}`,
    `Stripe fake webhook deliveries retried: ${hooks.webhookRetries ?? 0}, given up: ${hooks.webhooksGivenUp ?? 0}`,
  ].join("\n");
}

/** Which Stripe events the fakes post: the types the platform acts on (default, as in production), none, or all. */
function webhooksOption(raw: string | undefined): Webhooks {
  if (raw === undefined || raw === "" || raw === "on") return "acted-on";
  if (raw === "off" || raw === "all") return raw;
  throw new Error(`BENCH_STRIPE_WEBHOOKS must be on, off or all, not ${raw}`);
}

/** A comma-separated list of positive integers, duplicates dropped. */
function envInts(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  const values = raw ? raw.split(",").map((v) => Number(v.trim())) : fallback;
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name} must be positive integers separated by commas, not ${raw}`);
  return [...new Set(values)];
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

/** Tears everything down once (a second Ctrl-C is ignored) and exits with `code`. */
async function stop(code: number, reason?: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (reason) say(reason);
  say("\n▸ Teardown");
  await teardown(say);
  process.exit(code);
}

function say(line: string): void {
  console.log(line);
}
