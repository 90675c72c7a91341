/**
 * Runs the fair peer (bench/pg-fair-peer/server.ts) as its own process on the bench's Postgres, in
 * a scratch schema holding the same rooms as the Roomline catalog, with its own instance of the
 * bench's Stripe fake (same code, own process): sharing Roomline's instance would send the peer's
 * payment webhooks into Roomline's worker (billing workerd's CPU to the peer's run) and mix both
 * systems' PaymentIntents in one fake. The peer's fake posts its webhooks to the peer instead.
 * (Both fakes send only the event types Roomline acts on, none of which a held booking causes.)
 */
import { resolve } from "node:path";
import { freePort } from "../scripts/ports";
import { waitForHealth, withClient, type BenchRoom } from "./baseline";
import { fairPeerSchemaSql } from "./pg-fair-peer/server";
import { startStripeFakeProcess, type Webhooks } from "./platform";
import { startService, type Service } from "./processes";
import type { TokenSettings } from "./tokens";
import { peerEnv } from "./peer-http";

export interface FairPeer {
  url: string;
  schema: string;
  service: Service;
  stripe: { url: string; service: Service };
  poolSize: number;
}

/** Creates the peer's schema, starts its Stripe fake and its server, and waits for /health. */
export async function startFairPeerServer(o: {
  pgUrl: string;
  jwks: unknown;
  tokens: TokenSettings;
  poolSize: number;
  secrets: Record<string, string>;
  webhooks: Webhooks;
}): Promise<FairPeer> {
  const schema = `bench_fair_peer_${Date.now()}`;
  await withClient(o.pgUrl, (client) => client.query(fairPeerSchemaSql(schema)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stripe = await startStripeFakeProcess(
    "Stripe fake (fair peer)",
    `${url}/webhooks/stripe`,
    o.webhooks,
    o.secrets,
    "fair-peer",
  );
  const service = startService(
    "pg fair peer",
    process.execPath,
    ["--import", "tsx", resolve("bench/pg-fair-peer/server.ts")],
    {
      ...peerEnv({ ...o, port, schema }),
      STRIPE_API_BASE: stripe.url,
      STRIPE_SECRET_KEY: o.secrets.STRIPE_SECRET_KEY!,
      STRIPE_WEBHOOK_SECRET: o.secrets.STRIPE_WEBHOOK_SECRETS!.split(",")[0]!.trim(),
    },
  );
  await waitForHealth(url, service, "the fair peer");
  return { url, schema, service, stripe, poolSize: o.poolSize };
}

/** Gives the peer the same rooms (ids, capacities, owner, nightly price) as the Roomline catalog. */
export async function addFairPeerRooms(
  pgUrl: string,
  schema: string,
  rooms: BenchRoom[],
  landlordId: string,
  price: { amount: number; currency: string },
): Promise<void> {
  await withClient(pgUrl, (client) =>
    client.query(
      `INSERT INTO ${schema}.bench_rooms (id, landlord_id, capacity, price_amount, currency) SELECT id, $3, capacity, $4, $5 FROM unnest($1::text[], $2::int[]) AS r (id, capacity)`,
      [rooms.map((r) => r.id), rooms.map((r) => r.capacity), landlordId, price.amount, price.currency],
    ),
  );
}

export interface FairPeerState {
  /** Units per room and day from the live booking rows, and from the day counters. */
  fromBookings: Map<string, Map<string, number>>;
  fromDays: Map<string, Map<string, number>>;
  /** Integrity of what each booking must leave behind, for the given rooms and idempotency keys. */
  integrity: {
    heldBookings: number;
    bookingsWithoutPaymentIntent: number;
    bookingsWithoutOutboxRow: number;
    outboxRows: number;
    keys: number;
    keysUnfinished: number;
    keysAnswered201: number;
    keysAnswered409: number;
  };
}

/** The peer's own view of the given rooms and keys, from its tables. */
export async function fairPeerState(
  pgUrl: string,
  schema: string,
  roomIds: string[],
  keys: string[],
): Promise<FairPeerState> {
  return withClient(pgUrl, async (client) => {
    type Row = { room_id: string; day: string; units: number };
    const bookings = await client.query<Row>(
      `
      SELECT b.room_id, d::date::text AS day, sum(b.units)::int AS units
      FROM ${schema}.bench_bookings b, generate_series(b.start_date, b.end_date - 1, interval '1 day') AS d
      WHERE b.room_id = ANY($1) AND b.status <> 'cancelled' GROUP BY b.room_id, d`,
      [roomIds],
    );
    const days = await client.query<Row>(
      `SELECT room_id, day::text AS day, units FROM ${schema}.bench_room_days WHERE room_id = ANY($1)`,
      [roomIds],
    );
    const counts = await client.query<Record<keyof FairPeerState["integrity"], number>>(
      `
      WITH b AS (SELECT * FROM ${schema}.bench_bookings WHERE room_id = ANY($1) AND status = 'held'),
           o AS (SELECT * FROM ${schema}.bench_outbox WHERE type = 'booking.held' AND payload->>'bookingId' IN (SELECT id FROM b)),
           k AS (SELECT * FROM ${schema}.bench_idempotency WHERE key = ANY($2))
      SELECT (SELECT count(*) FROM b)::int AS "heldBookings",
             (SELECT count(*) FROM b WHERE payment_intent_id IS NULL)::int AS "bookingsWithoutPaymentIntent",
             (SELECT count(*) FROM b WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.payload->>'bookingId' = b.id))::int AS "bookingsWithoutOutboxRow",
             (SELECT count(*) FROM o)::int AS "outboxRows",
             (SELECT count(*) FROM k)::int AS keys,
             (SELECT count(*) FROM k WHERE status IS NULL)::int AS "keysUnfinished",
             (SELECT count(*) FROM k WHERE status = 201)::int AS "keysAnswered201",
             (SELECT count(*) FROM k WHERE status = 409)::int AS "keysAnswered409"`,
      [roomIds, keys],
    );
    return { fromBookings: toUsage(bookings.rows), fromDays: toUsage(days.rows), integrity: counts.rows[0]! };
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
