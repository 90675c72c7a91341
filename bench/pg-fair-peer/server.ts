/**
 * The FAIR peer for the booking benchmark, NOT product code: a Node HTTP server with a pooled
 * Postgres connection that does, per booking, the work Roomline does, the way a conventional
 * Node + Postgres service would do it. POST /bookings:
 *
 * 1. verifies the same ES256 access token Roomline accepts (jose, key set built once at start);
 * 2. requires an `Idempotency-Key` (the same pattern as Roomline) and, in ONE transaction:
 *    claims the key in `bench_idempotency` (scoped to the tenant; a finished key replays its stored
 *    answer, one still running answers 409 `idempotency_in_progress`, another body 422), locks the
 *    room row (`SELECT … FOR UPDATE`), checks that every night has a free unit in `bench_room_days`,
 *    adds the units, inserts the booking (status `held`, 15-minute hold) and a `booking.held`
 *    outbox row, and commits; a full room commits the key with its 409 answer instead;
 * 3. then opens the Stripe PaymentIntent with the real `stripe` SDK (one client for the process,
 *    pointed at the Stripe fake; idempotency key `booking-<id>-payment`, as Roomline's), stores the
 *    PaymentIntent on the booking and the 201 answer on the key in one statement, and answers 201
 *    with the client secret. If Stripe fails, it gives the units back, cancels the booking, drops
 *    the key (so a retry runs again) and answers 502, as Roomline compensates.
 *
 * POST /webhooks/stripe verifies the signature with the SDK and records the events Roomline acts on
 * once in `bench_stripe_events`; like Roomline it acknowledges any other type without a write (the
 * bench's fakes only send the acted-on types, as the production endpoint is subscribed).
 *
 * Not done (Roomline does): per-tenant rate limiting, a landlord-wide contract limit, relaying the
 * outbox to a queue, hold expiry.
 *
 * Run: `tsx bench/pg-fair-peer/server.ts` with env PORT, DATABASE_URL, BENCH_SCHEMA,
 * JWT_PUBLIC_JWKS (a JSON JWKS), JWT_ISSUER, JWT_AUDIENCE, STRIPE_API_BASE, STRIPE_SECRET_KEY,
 * STRIPE_WEBHOOK_SECRET and optionally POOL_SIZE (20). The tables must exist: see `fairPeerSchemaSql`.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import pg from "pg";
import {
  need,
  parseBooking,
  peerConfigFromEnv,
  readBody,
  tenantOf,
  type BookingInput,
  type PeerConfig,
} from "../peer-http";
import Stripe from "stripe";

/** DDL of the fair peer's tables inside `schema` (created fresh). */
export function fairPeerSchemaSql(schema: string): string {
  return `
    CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.bench_rooms (
      id text PRIMARY KEY, landlord_id text NOT NULL, capacity integer NOT NULL CHECK (capacity > 0),
      price_amount integer NOT NULL, currency text NOT NULL, status text NOT NULL DEFAULT 'active');
    CREATE TABLE ${schema}.bench_room_days (
      room_id text NOT NULL REFERENCES ${schema}.bench_rooms (id), day date NOT NULL, units integer NOT NULL CHECK (units >= 0),
      PRIMARY KEY (room_id, day));
    CREATE TABLE ${schema}.bench_bookings (
      id text PRIMARY KEY, room_id text NOT NULL REFERENCES ${schema}.bench_rooms (id), tenant_id text NOT NULL,
      landlord_id text NOT NULL, start_date date NOT NULL, end_date date NOT NULL, units integer NOT NULL,
      status text NOT NULL, amount_due integer NOT NULL, currency text NOT NULL, payment_intent_id text,
      hold_expires_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE ${schema}.bench_idempotency (
      scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, resource_id text NOT NULL,
      status integer, body text, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, key));
    CREATE TABLE ${schema}.bench_outbox (
      id text PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
    CREATE TABLE ${schema}.bench_stripe_events (
      id text PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(), processed_at timestamptz);`;
}

interface Config extends PeerConfig {
  stripeApiBase: string;
  stripeSecretKey: string;
  stripeWebhookSecret: string;
}
interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
interface Services {
  pool: pg.Pool;
  verify: JWTVerifyGetKey;
  stripe: Stripe;
  config: Config;
}

/** Roomline's Idempotency-Key pattern (workers/http/idempotency.ts). */
const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;
const HOLD_MS = 15 * 60_000;
/** The Stripe event types Roomline acts on (schema/stripe-webhooks.ts); any other type is acknowledged and dropped. */
const ACTIONABLE = new Set(["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"]);

/** Starts the fair peer; resolves once it listens. */
export async function startFairPeer(config: Config): Promise<{ close(): Promise<void> }> {
  // Idle connections close after 1 s so they do not hold Postgres slots while Roomline is measured.
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.poolSize,
    idleTimeoutMillis: 1000,
    options: `-c search_path=${config.schema}`,
  });
  const base = new URL(config.stripeApiBase);
  // One SDK client (and so one keep-alive agent) for the process, as a Node service would hold it.
  const stripe = new Stripe(config.stripeSecretKey, {
    host: base.hostname,
    port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
    protocol: base.protocol === "https:" ? "https" : "http",
    maxNetworkRetries: 2,
    timeout: 30_000,
    // The SDK reports each request's latency on a later one; with 1,000 requests in flight its buffer
    // overflows and it prints a warning per request (to stderr), which is no work a booking needs.
    telemetry: false,
  });
  const services: Services = { pool, verify: createLocalJWKSet(config.jwks), stripe, config };
  const server = createServer(
    (req, res) =>
      void route(req, res, services).catch((err: unknown) => {
        if (!res.headersSent) reply(res, { status: 500, body: { code: "internal", detail: String(err) } });
      }),
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

async function route(req: IncomingMessage, res: ServerResponse, s: Services): Promise<void> {
  if (req.method === "GET" && req.url === "/health") return reply(res, { status: 200, body: { status: "ok" } });
  if (req.method === "POST" && req.url === "/webhooks/stripe")
    return reply(res, await webhook(s, req, await readBody(req)));
  if (req.method !== "POST" || req.url !== "/bookings") return reply(res, { status: 404, body: { code: "not_found" } });
  const tenantId = await tenantOf(req, s.verify, s.config);
  if (!tenantId)
    return reply(res, {
      status: 401,
      body: { code: "unauthorized" },
      headers: { "www-authenticate": 'Bearer realm="fair-peer"' },
    });
  const key = req.headers["idempotency-key"]?.toString();
  if (!key) return reply(res, { status: 428, body: { code: "idempotency_key_required" } });
  if (!KEY.test(key)) return reply(res, { status: 422, body: { code: "validation_failed" } });
  const raw = await readBody(req);
  const input = parseBooking(raw);
  if (!input) return reply(res, { status: 422, body: { code: "validation_failed" } });
  const hash = createHash("sha256").update(`POST /bookings\n${raw}`).digest("hex");
  reply(res, await book(s, tenantId, key, hash, input));
}

type Claimed =
  | { kind: "answer"; answer: Answer }
  | { kind: "held"; bookingId: string; landlordId: string; amount: number; currency: string; holdExpiresAt: string };

/** The booking: one transaction (key, room lock, capacity, booking, outbox), then the PaymentIntent. */
async function book(s: Services, tenantId: string, key: string, hash: string, b: BookingInput): Promise<Answer> {
  const claimed = await holdInTransaction(s.pool, tenantId, key, hash, b);
  if (claimed.kind === "answer") return claimed.answer;
  const { bookingId } = claimed;
  let pi: Stripe.PaymentIntent;
  try {
    pi = await s.stripe.paymentIntents.create(
      {
        amount: claimed.amount,
        currency: claimed.currency.toLowerCase(),
        automatic_payment_methods: { enabled: true },
        description: `Fair peer booking ${bookingId}`,
        metadata: { bookingId, roomId: b.roomId, landlordId: claimed.landlordId, tenantId },
      },
      { idempotencyKey: `booking-${bookingId}-payment` },
    );
  } catch (err) {
    await compensate(s.pool, tenantId, key, bookingId, b);
    return { status: 502, body: { code: "payment_provider_error", detail: String(err) } };
  }
  const body = {
    id: bookingId,
    roomId: b.roomId,
    tenantId,
    landlordId: claimed.landlordId,
    startDate: b.startDate,
    endDate: b.endDate,
    units: b.units,
    status: "held",
    amountDue: claimed.amount,
    currency: claimed.currency,
    holdExpiresAt: claimed.holdExpiresAt,
    payment: { paymentIntentId: pi.id, clientSecret: pi.client_secret ?? "" },
  };
  const text = JSON.stringify(body);
  // One round trip, autocommit: the PaymentIntent on the booking and the final answer on the key.
  await s.pool.query(
    `WITH b AS (UPDATE bench_bookings SET payment_intent_id = $1, updated_at = now() WHERE id = $2)
    UPDATE bench_idempotency SET status = 201, body = $3 WHERE scope = $4 AND key = $5`,
    [pi.id, bookingId, text, tenantId, key],
  );
  return { status: 201, body: text };
}

async function holdInTransaction(
  pool: pg.Pool,
  tenantId: string,
  key: string,
  hash: string,
  b: BookingInput,
): Promise<Claimed> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const bookingId = `bkg_${randomUUID().replaceAll("-", "")}`;
    const claim = await client.query(
      "INSERT INTO bench_idempotency (scope, key, request_hash, resource_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [tenantId, key, hash, bookingId],
    );
    if (claim.rowCount === 0) {
      const saved = await client.query<{ request_hash: string; status: number | null; body: string | null }>(
        "SELECT request_hash, status, body FROM bench_idempotency WHERE scope = $1 AND key = $2",
        [tenantId, key],
      );
      await client.query("COMMIT");
      return { kind: "answer", answer: replayOf(saved.rows[0], hash) };
    }
    const finish = async (answer: Answer): Promise<Claimed> => {
      const text = JSON.stringify(answer.body);
      await client.query("UPDATE bench_idempotency SET status = $1, body = $2 WHERE scope = $3 AND key = $4", [
        answer.status,
        text,
        tenantId,
        key,
      ]);
      await client.query("COMMIT");
      return { kind: "answer", answer: { ...answer, body: text } };
    };
    const room = await client.query<{
      capacity: number;
      price_amount: number;
      currency: string;
      landlord_id: string;
      status: string;
    }>("SELECT capacity, price_amount, currency, landlord_id, status FROM bench_rooms WHERE id = $1 FOR UPDATE", [
      b.roomId,
    ]);
    const r = room.rows[0];
    if (!r || r.status !== "active")
      return await finish({ status: 404, body: { code: "not_found", detail: "No such room." } });
    const taken = await client.query<{ max: number }>(
      "SELECT coalesce(max(units), 0)::int AS max FROM bench_room_days WHERE room_id = $1 AND day >= $2 AND day < $3",
      [b.roomId, b.startDate, b.endDate],
    );
    if (taken.rows[0]!.max + b.units > r.capacity)
      return await finish({
        status: 409,
        body: { code: "room_unavailable", detail: "Not enough free units on every night." },
      });
    const nights = Math.round((Date.parse(b.endDate) - Date.parse(b.startDate)) / 86_400_000);
    const amount = r.price_amount * nights * b.units;
    const holdExpiresAt = new Date(Date.now() + HOLD_MS).toISOString();
    await client.query(
      `INSERT INTO bench_room_days (room_id, day, units)
      SELECT $1, d::date, $4 FROM generate_series($2::date, $3::date - 1, interval '1 day') AS d
      ON CONFLICT (room_id, day) DO UPDATE SET units = bench_room_days.units + excluded.units`,
      [b.roomId, b.startDate, b.endDate, b.units],
    );
    await client.query(
      `INSERT INTO bench_bookings (id, room_id, tenant_id, landlord_id, start_date, end_date, units, status, amount_due, currency, hold_expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, 'held', $8, $9, $10)`,
      [
        bookingId,
        b.roomId,
        tenantId,
        r.landlord_id,
        b.startDate,
        b.endDate,
        b.units,
        amount,
        r.currency,
        holdExpiresAt,
      ],
    );
    await client.query("INSERT INTO bench_outbox (id, type, payload) VALUES ($1, 'booking.held', $2)", [
      `evt_${randomUUID().replaceAll("-", "")}`,
      JSON.stringify({ bookingId, occurredAt: new Date().toISOString() }),
    ]);
    await client.query("COMMIT");
    return { kind: "held", bookingId, landlordId: r.landlord_id, amount, currency: r.currency, holdExpiresAt };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** What a key already claimed answers: its stored answer, or why it cannot be replayed. */
function replayOf(
  saved: { request_hash: string; status: number | null; body: string | null } | undefined,
  hash: string,
): Answer {
  if (!saved) return { status: 409, body: { code: "idempotency_in_progress" }, headers: { "retry-after": "1" } };
  if (saved.request_hash !== hash) return { status: 422, body: { code: "idempotency_key_reused" } };
  if (saved.status === null || saved.body === null)
    return { status: 409, body: { code: "idempotency_in_progress" }, headers: { "retry-after": "1" } };
  return { status: saved.status, body: saved.body, headers: { "idempotent-replayed": "true" } };
}

/** After a failed PaymentIntent: the units back, the booking cancelled, the key free for a retry. */
async function compensate(
  pool: pg.Pool,
  tenantId: string,
  key: string,
  bookingId: string,
  b: BookingInput,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT 1 FROM bench_rooms WHERE id = $1 FOR UPDATE", [b.roomId]);
    await client.query("UPDATE bench_room_days SET units = units - $4 WHERE room_id = $1 AND day >= $2 AND day < $3", [
      b.roomId,
      b.startDate,
      b.endDate,
      b.units,
    ]);
    await client.query("UPDATE bench_bookings SET status = 'cancelled', updated_at = now() WHERE id = $1", [bookingId]);
    await client.query("DELETE FROM bench_idempotency WHERE scope = $1 AND key = $2", [tenantId, key]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    console.error(`[pg-fair-peer] compensation of ${bookingId} failed: ${String(err)}`);
  } finally {
    client.release();
  }
}

/** A signed Stripe event: one Roomline acts on is recorded once by id (to be applied); any other is dropped. */
async function webhook(s: Services, req: IncomingMessage, raw: string): Promise<Answer> {
  let event: Stripe.Event;
  try {
    event = s.stripe.webhooks.constructEvent(
      raw,
      req.headers["stripe-signature"]?.toString() ?? "",
      s.config.stripeWebhookSecret,
      300,
    );
  } catch {
    return { status: 400, body: { code: "invalid_signature" } };
  }
  if (!ACTIONABLE.has(event.type)) return { status: 200, body: { received: true, duplicate: false } };
  const inserted = await s.pool.query(
    "INSERT INTO bench_stripe_events (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    [event.id, event.type, raw],
  );
  return { status: 200, body: { received: true, duplicate: inserted.rowCount === 0 } };
}

/** Writes an answer; a string body is sent as is (stored answers are kept as text). */
function reply(res: ServerResponse, answer: Answer): void {
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

function configFromEnv(env: NodeJS.ProcessEnv): Config {
  return {
    ...peerConfigFromEnv(env),
    stripeApiBase: need(env, "STRIPE_API_BASE"),
    stripeSecretKey: need(env, "STRIPE_SECRET_KEY"),
    stripeWebhookSecret: need(env, "STRIPE_WEBHOOK_SECRET"),
  };
}

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const server = await startFairPeer(config);
  console.log(
    `[pg-fair-peer] listening on http://127.0.0.1:${config.port} (schema ${config.schema}, pool ${config.poolSize}, Stripe ${config.stripeApiBase})`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
