/**
 * Runs the minimal row-lock baseline (bench/pg-baseline/server.ts) as its own process on the
 * bench's Postgres, in a scratch schema holding the same rooms as the Roomline catalog.
 */
import { resolve } from "node:path";
import pg from "pg";
import { freePort } from "../scripts/ports";
import { baselineSchemaSql } from "./pg-baseline/server";
import { sleep, startService, type Service } from "./processes";
import type { TokenSettings } from "./tokens";
import { peerEnv } from "./peer-http";

export interface BenchRoom {
  id: string;
  capacity: number;
}
export interface Baseline {
  url: string;
  schema: string;
  service: Service;
  poolSize: number;
}

/** Creates the baseline's schema, starts its server and waits for /health (rooms come with `addBaselineRooms`). */
export async function startBaselineServer(o: {
  pgUrl: string;
  jwks: unknown;
  tokens: TokenSettings;
  poolSize: number;
}): Promise<Baseline> {
  const schema = `bench_baseline_${Date.now()}`;
  await withClient(o.pgUrl, (client) => client.query(baselineSchemaSql(schema)));
  const port = await freePort();
  const service = startService(
    "pg baseline",
    process.execPath,
    ["--import", "tsx", resolve("bench/pg-baseline/server.ts")],
    {
      ...peerEnv({ ...o, port, schema }),
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, service, "the baseline server");
  return { url, schema, service, poolSize: o.poolSize };
}

/** Gives the baseline the same rooms (ids and capacities) as the Roomline catalog. */
export async function addBaselineRooms(pgUrl: string, schema: string, rooms: BenchRoom[]): Promise<void> {
  await withClient(pgUrl, (client) =>
    client.query(`INSERT INTO ${schema}.bench_rooms (id, capacity) SELECT * FROM unnest($1::text[], $2::int[])`, [
      rooms.map((r) => r.id),
      rooms.map((r) => r.capacity),
    ]),
  );
}

/** Units taken per room and day as the baseline's own tables say (booking rows, not the day counters). */
export async function baselineUsage(
  pgUrl: string,
  schema: string,
): Promise<{ fromBookings: Map<string, Map<string, number>>; fromDays: Map<string, Map<string, number>> }> {
  return withClient(pgUrl, async (client) => {
    const bookings = await client.query<{ room_id: string; day: string; units: number }>(`
      SELECT b.room_id, d::date::text AS day, sum(b.units)::int AS units
      FROM ${schema}.bench_bookings b, generate_series(b.start_date, b.end_date - 1, interval '1 day') AS d
      GROUP BY b.room_id, d`);
    const days = await client.query<{ room_id: string; day: string; units: number }>(
      `SELECT room_id, day::text AS day, units FROM ${schema}.bench_room_days`,
    );
    return { fromBookings: toUsage(bookings.rows), fromDays: toUsage(days.rows) };
  });
}

function toUsage(rows: { room_id: string; day: string; units: number }[]): Map<string, Map<string, number>> {
  const usage = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (!usage.has(r.room_id)) usage.set(r.room_id, new Map());
    if (r.units !== 0) usage.get(r.room_id)!.set(r.day, r.units);
  }
  return usage;
}

/** Waits until `url`/health answers 2xx, for at most 30 s; `label` names the server in errors. */
export async function waitForHealth(url: string, service: Service, label: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null)
      throw new Error(`${label} exited (${service.child.exitCode}):\n${service.output.tail()}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${label} did not answer /health within 30s:\n${service.output.tail()}`);
}

/** Runs `work` on a fresh client and always closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
