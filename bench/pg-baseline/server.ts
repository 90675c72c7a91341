/**
 * The comparison point for the booking benchmark, NOT product code: a small Node HTTP server that
 * books the way most peers do, with a row lock in Postgres. POST /bookings verifies the same
 * ES256 access token Roomline accepts, then in one transaction locks the room row
 * (SELECT … FOR UPDATE), reads the units already taken on each day of the range, refuses with 409
 * when any day would go over capacity, else adds the units to the day rows and records the booking.
 *
 * Run: `tsx bench/pg-baseline/server.ts` with env PORT, DATABASE_URL, BENCH_SCHEMA, JWT_PUBLIC_JWKS
 * (a JSON JWKS), JWT_ISSUER, JWT_AUDIENCE and optionally POOL_SIZE (20). The tables must exist:
 * see `baselineSchemaSql`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import pg from "pg";
import { parseBooking, peerConfigFromEnv, readBody, tenantOf, type BookingInput, type PeerConfig } from "../peer-http";

/** DDL of the baseline's tables inside `schema` (created fresh). */
export function baselineSchemaSql(schema: string): string {
  return `
    CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.bench_rooms (id text PRIMARY KEY, capacity integer NOT NULL CHECK (capacity > 0));
    CREATE TABLE ${schema}.bench_room_days (
      room_id text NOT NULL REFERENCES ${schema}.bench_rooms (id), day date NOT NULL, units integer NOT NULL CHECK (units >= 0),
      PRIMARY KEY (room_id, day));
    CREATE TABLE ${schema}.bench_bookings (
      id text PRIMARY KEY, room_id text NOT NULL REFERENCES ${schema}.bench_rooms (id), tenant_id text NOT NULL,
      start_date date NOT NULL, end_date date NOT NULL, units integer NOT NULL, idempotency_key text,
      created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (tenant_id, idempotency_key));`;
}

type Config = PeerConfig;

/** Starts the baseline server; resolves once it listens. */
export async function startBaseline(config: Config): Promise<{ close(): Promise<void> }> {
  // Idle connections close after 1 s so they do not hold Postgres slots while Roomline is measured.
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.poolSize,
    idleTimeoutMillis: 1000,
    options: `-c search_path=${config.schema}`,
  });
  const verify = createLocalJWKSet(config.jwks);
  const server = createServer(
    (req, res) =>
      void route(req, res, pool, verify, config).catch((err: unknown) =>
        reply(res, 500, { code: "internal", detail: String(err) }),
      ),
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, "127.0.0.1", resolve));
  return {
    close: async () => {
      await new Promise((r) => server.close(r));
      await pool.end();
    },
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  pool: pg.Pool,
  verify: JWTVerifyGetKey,
  config: Config,
): Promise<void> {
  if (req.method === "GET" && req.url === "/health") return reply(res, 200, { status: "ok" });
  if (req.method !== "POST" || req.url !== "/bookings") return reply(res, 404, { code: "not_found" });
  const tenantId = await tenantOf(req, verify, config);
  if (!tenantId) return reply(res, 401, { code: "unauthorized" });
  const input = parseBooking(await readBody(req));
  if (!input) return reply(res, 422, { code: "validation_failed" });
  const result = await book(pool, tenantId, input, req.headers["idempotency-key"]?.toString() ?? null);
  reply(res, result.status, result.body);
}

/** The row-lock booking: lock the room, check every day, add the units, record the booking. */
async function book(
  pool: pg.Pool,
  tenantId: string,
  b: BookingInput,
  idempotencyKey: string | null,
): Promise<{ status: number; body: unknown }> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const room = await client.query<{ capacity: number }>("SELECT capacity FROM bench_rooms WHERE id = $1 FOR UPDATE", [
      b.roomId,
    ]);
    if (room.rowCount === 0) {
      await client.query("ROLLBACK");
      return { status: 404, body: { code: "not_found" } };
    }
    const taken = await client.query<{ max: number }>(
      "SELECT coalesce(max(units), 0)::int AS max FROM bench_room_days WHERE room_id = $1 AND day >= $2 AND day < $3",
      [b.roomId, b.startDate, b.endDate],
    );
    if (taken.rows[0]!.max + b.units > room.rows[0]!.capacity) {
      await client.query("ROLLBACK");
      return { status: 409, body: { code: "room_unavailable" } };
    }
    await client.query(
      `INSERT INTO bench_room_days (room_id, day, units)
      SELECT $1, d::date, $4 FROM generate_series($2::date, $3::date - 1, interval '1 day') AS d
      ON CONFLICT (room_id, day) DO UPDATE SET units = bench_room_days.units + excluded.units`,
      [b.roomId, b.startDate, b.endDate, b.units],
    );
    const id = `bkg_${randomUUID()}`;
    await client.query(
      "INSERT INTO bench_bookings (id, room_id, tenant_id, start_date, end_date, units, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      [id, b.roomId, tenantId, b.startDate, b.endDate, b.units, idempotencyKey],
    );
    await client.query("COMMIT");
    return {
      status: 201,
      body: { id, roomId: b.roomId, tenantId, startDate: b.startDate, endDate: b.endDate, units: b.units },
    };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function configFromEnv(env: NodeJS.ProcessEnv): Config {
  return peerConfigFromEnv(env);
}

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const server = await startBaseline(config);
  console.log(
    `[pg-baseline] listening on http://127.0.0.1:${config.port} (schema ${config.schema}, pool ${config.poolSize})`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
