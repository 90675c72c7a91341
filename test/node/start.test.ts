// `npm start` end to end, in a throw-away copy of the project (the developer's .data, .wrangler and
// .dev.vars are never touched): it comes up and prints the API, /docs and the demo logins; Ctrl-C
// stops every process it started and frees every port; a second start keeps the data (D1 and
// Postgres) and does not seed it again.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/ports";
import { buildDemoData, DEMO_LOGINS, DEMO_PASSWORD } from "../../scripts/seed";
import { webJourney } from "./web-journey";

const REPO = resolve(import.meta.dirname, "../..");
const UP_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 240_000;
const demo = buildDemoData();

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let tmp = "";
let ports = { api: 0, pg: 0, stripe: 0 };
let api = "";
let pgUrl = "";
let current: Run | undefined;
let createdPropertyId = "";
/** What the web journey listed through the app: one property with one room. */
let journeyListed = { properties: 0, rooms: 0 };

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "roomline-start-"));
  const files = spawnSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" })
    .stdout.split("\0")
    .filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(REPO, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(tmp, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(tmp, file));
  }
  symlinkSync(join(REPO, "node_modules"), join(tmp, "node_modules"), "dir");
  const picked = new Set<number>();
  while (picked.size < 3) picked.add(await freePort());
  [ports.api, ports.pg, ports.stripe] = [...picked] as [number, number, number];
  api = `http://127.0.0.1:${ports.api}`;
  pgUrl = `postgres://postgres:postgres@127.0.0.1:${ports.pg}/roomline`;
});

afterAll(async () => {
  if (current && current.child.exitCode === null && current.child.signalCode === null)
    signalGroup(current.child.pid!, "SIGKILL");
  for (const pid of ourProcesses().map((p) => p.pid)) signalPid(pid, "SIGKILL"); // wrangler's own group, Postgres
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 30_000);

describe("npm start", () => {
  it(
    "comes up on the chosen ports and prints the API, /docs and the demo logins",
    async () => {
      current = startRoomline();
      const out = await waitForOutput(current, "Roomline is up", UP_TIMEOUT_MS);
      expect(out).toMatch(/created \.dev\.vars/);
      expect(out).toMatch(new RegExp(`seeded ${demo.users.length} users, 240 properties, ${demo.rooms.length} rooms`));
      const banner = out.slice(out.indexOf("Roomline is up"));
      expect(banner).toContain(`API       ${api}\n`);
      expect(banner).toContain(`${api}/docs`);
      for (const email of ["landlord1@demo.roomline.dev", "tenant1@demo.roomline.dev", "admin@demo.roomline.dev"])
        expect(banner).toContain(email);
      expect(banner).toContain(DEMO_PASSWORD);
      expect(banner).toContain(`http://127.0.0.1:${ports.stripe}`);
      expect(banner).toContain(`127.0.0.1:${ports.pg}`);

      expect((await fetch(`${api}/health`)).status).toBe(200);
      expect((await fetch(`${api}/docs`)).status).toBe(200);
      // The demo is searchable at once, typos and all (the seed writes the search index too).
      const found = (await (await fetch(`${api}/v1/search?q=balcny+lisb`)).json()) as {
        total: number;
        items: unknown[];
      };
      expect(found.total).toBeGreaterThan(0);
      const token = await login(DEMO_LOGINS.landlord);
      for (const email of [DEMO_LOGINS.tenant, DEMO_LOGINS.admin]) await login(email);

      // Something of our own in each database, to look for after a restart.
      const created = await fetch(`${api}/v1/properties`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          title: "start.test.ts keeps me",
          description: "written before the first Ctrl-C",
          type: "studio",
          address: { line1: "Rua do Teste 1", city: "Lisbon", country: "PT" },
          location: { lat: 38.71, lng: -9.14 },
          amenities: [],
          timezone: "Europe/Lisbon",
        }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      createdPropertyId = ((await created.json()) as { id: string }).id;
      await withPg(async (client) => {
        await client.query("create table start_test_marker (note text)");
        await client.query("insert into start_test_marker values ('written before the first Ctrl-C')");
      });

      // The process check below must be able to see what it checks for.
      const running = ourProcesses()
        .map((p) => p.cmdline)
        .join("\n");
      expect(running).toMatch(/wrangler\.js dev/);
      expect(running).toMatch(/workerd/);
      expect(running).toMatch(/postgres/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "serves the web app: in real Chromium a tenant finds a room by a misspelt city, books it and sees it confirmed; its landlord sees it; the pages pass axe",
    async () => {
      const page = await fetch(`${api}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(await page.text()).toContain('<div id="app">');
      // The API keeps its routes: an unknown API path is still a problem+json 404.
      expect((await fetch(`${api}/v1/nothing-here`)).headers.get("content-type")).toContain("problem+json");
      journeyListed = await webJourney(api);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stops every process it started and frees every port on Ctrl-C",
    async () => {
      await ctrlC(current!);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "starts again on the same data without seeding it twice",
    async () => {
      current = startRoomline();
      const out = await waitForOutput(current, "Roomline is up", UP_TIMEOUT_MS);
      expect(out).toContain("already present, nothing to do");
      expect(out).not.toMatch(/seeded \d+ users/);
      expect(out).not.toMatch(/created \.dev\.vars/);
      expect(out.slice(out.indexOf("Roomline is up"))).toContain(DEMO_LOGINS.landlord);

      expect((await fetch(`${api}/health`)).status).toBe(200);
      await login(DEMO_LOGINS.landlord); // the same .dev.vars and users: the first run's password still works
      const kept = await fetch(`${api}/v1/properties/${createdPropertyId}`);
      expect(kept.status).toBe(200);
      expect(((await kept.json()) as { title: string }).title).toBe("start.test.ts keeps me");
      await withPg(async (client) => {
        const { rows } = await client.query<{ note: string }>("select note from start_test_marker");
        expect(rows).toEqual([{ note: "written before the first Ctrl-C" }]);
      });

      await ctrlC(current);
      const count = (table: string) => d1Count(`select count(*) as n from ${table}`);
      expect(count("users")).toBe(demo.users.length);
      expect(count("properties")).toBe(240 + 1 + journeyListed.properties);
      expect(count("rooms")).toBe(demo.rooms.length + journeyListed.rooms);
      expect(count("listings")).toBe(demo.listings.length + journeyListed.rooms);
    },
    TEST_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------

/** `npm start` as npm runs it: `tsx scripts/start.ts` with node_modules/.bin (Node 22) first in PATH, in its own process group like a terminal job. */
function startRoomline(): Run {
  const bin = join(tmp, "node_modules/.bin");
  const child = spawn(join(bin, "tsx"), ["scripts/start.ts"], {
    cwd: tmp,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      PORT: String(ports.api),
      PG_PORT: String(ports.pg),
      STRIPE_FAKE_PORT: String(ports.stripe),
      DATABASE_URL: "", // the embedded Postgres, whatever the environment says
    },
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitForOutput(run: Run, text: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (!run.output().includes(text)) {
    if (exited) throw new Error(`npm start exited before printing "${text}":\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs / 1000}s:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return run.output();
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group. Then nothing of ours may be left. */
async function ctrlC(run: Run): Promise<void> {
  signalGroup(run.child.pid!, "SIGINT");
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    run.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`npm start did not exit within ${STOP_TIMEOUT_MS / 1000}s of SIGINT:\n${run.output()}`)),
        STOP_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  expect(result, run.output()).toEqual({ code: 0, signal: null });
  const out = run.output();
  for (const part of ["wrangler dev", "Stripe fake", "PostgreSQL"]) expect(out).toContain(`stopped ${part}`);
  expect(out).not.toContain("✗");
  expect(ourProcesses(), "processes left behind").toEqual([]);
  for (const [name, port] of Object.entries(ports)) {
    for (const host of ["127.0.0.1", "::1"])
      expect(await refusesConnections(port, host), `${name} port ${port} still answers on ${host}`).toBe(true);
    expect(await canListen(port), `${name} port ${port} cannot be bound again`).toBe(true);
  }
}

async function login(email: string): Promise<string> {
  const res = await fetch(`${api}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  expect(res.status, `login ${email}: ${await res.clone().text()}`).toBe(200);
  const session = (await res.json()) as { accessToken: string; user: { email: string } };
  expect(session.user.email).toBe(email);
  return session.accessToken;
}

async function withPg(use: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}

/** A count from the temp copy's local D1, read with wrangler while nothing else runs. */
function d1Count(sql: string): number {
  const res = spawnSync(
    join(tmp, "node_modules/.bin/node"),
    [join(tmp, "node_modules/wrangler/bin/wrangler.js"), "d1", "execute", "DB", "--local", "--json", "--command", sql],
    {
      cwd: tmp,
      encoding: "utf8",
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
  expect(res.status, res.stderr || res.stdout).toBe(0);
  const parsed = JSON.parse(res.stdout.slice(res.stdout.search(/^\[/m))) as { results: { n: number }[] }[];
  return parsed[0]!.results[0]!.n;
}

/** Every live process whose command line or working directory is inside the temp copy. */
function ourProcesses(): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        /* gone, or a kernel thread */
      }
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      if (state === "Z") continue; // exited, waiting for its parent to reap it
      if (cmdline.includes(tmp) || cwd === tmp || cwd.startsWith(`${tmp}/`))
        found.push({ pid: Number(entry), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function refusesConnections(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      done(false);
    });
    socket.once("error", () => done(true));
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    /* already gone */
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}
