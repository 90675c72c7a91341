import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, eventually, inDays, json, landlordWithRoom, signUp } from "./helpers";
import { leased } from "./tenancy";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const newTrace = () =>
  crypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");

describe("trace context (W3C traceparent)", () => {
  it("answers an inbound traceparent's trace id, and makes one when none or a malformed one came", async () => {
    const traced = await call("GET", "/health", { headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` } });
    expect(traced.headers.get("x-trace-id")).toBe(TRACE);
    expect(traced.headers.get("traceparent")).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    for (const sent of [undefined, "00-zzzz-00f067aa0ba902b7-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`]) {
      const res = await call("GET", "/health", { headers: sent ? { traceparent: sent } : {} });
      const id = res.headers.get("x-trace-id")!;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe(TRACE);
      expect(id).not.toMatch(/^0+$/);
    }
  });

  it("follows a booking through its room's calendar and the queue: what the consumer raises carries the request's trace", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await signUp("tenant");
    const trace = newTrace();
    const res = await call("POST", "/v1/bookings", {
      token: tenant.accessToken,
      body: { roomId: room.id, startDate: inDays(20), endDate: inDays(50), units: 1 },
      headers: { "idempotency-key": crypto.randomUUID(), traceparent: `00-${trace}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-trace-id")).toBe(trace);
    const booking = await json(res);
    // The calendar's booking.held reached the consumer, whose own events (notices, mail) are raised in that trace.
    const downstream = await eventually(async () => {
      const rows = await env.DB.prepare("SELECT type, payload FROM outbox WHERE payload LIKE ?")
        .bind(`%${trace}%`)
        .all<{ type: string; payload: string }>();
      const raised = rows.results.filter((r) => r.payload.includes(booking.id) || r.type !== "booking.held");
      return raised.length > 0 ? raised : undefined;
    }, 20_000);
    for (const row of downstream) expect(JSON.parse(row.payload).traceId).toBe(trace);
  });
});

describe("calls out carry the trace", () => {
  it("sends the booking's traceparent to Stripe with the PaymentIntent it creates", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await signUp("tenant");
    const trace = newTrace();
    const fetches = vi.spyOn(globalThis, "fetch");
    const traceparent = `00-${trace}-00f067aa0ba902b7-01`;
    const res = await call("POST", "/v1/bookings", {
      token: tenant.accessToken,
      body: { roomId: room.id, startDate: inDays(20), endDate: inDays(50), units: 1 },
      headers: { "idempotency-key": crypto.randomUUID(), traceparent },
    });
    const booking = await json(res);
    // from the consumer (the held event's trace) or on demand from this read in the same trace: either way, this trace
    await call("GET", `/v1/bookings/${booking.id}/payment`, { token: tenant.accessToken, headers: { traceparent } });
    const toStripe = fetches.mock.calls.filter(([input]) =>
      String(input instanceof Request ? input.url : input).includes("/v1/payment_intents"),
    );
    expect(toStripe.length).toBeGreaterThan(0);
    for (const [, init] of toStripe)
      expect(new Headers(init?.headers).get("traceparent")).toMatch(new RegExp(`^00-${trace}-`));
  });
});

describe("request metrics (Analytics Engine)", () => {
  const points = () => {
    const write = vi.spyOn(env.METRICS, "writeDataPoint");
    return (route: string) => write.mock.calls.map(([p]) => p!).filter((p) => p.blobs?.[0] === route);
  };

  it("writes one data point per request: the route's pattern, never its ids, with status class and error code", async () => {
    const of = points();
    const { property } = await landlordWithRoom();
    expect((await call("GET", `/v1/properties/${property.id}`)).status).toBe(200);
    const [point] = of("/v1/properties/:id");
    expect(point).toMatchObject({ indexes: ["/v1/properties/:id"], blobs: ["/v1/properties/:id", "GET", "2xx", ""] });
    expect(point!.doubles![1]).toBe(200);
    expect(point!.doubles![0]).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(of("/v1/properties/:id"))).not.toContain(property.id);

    expect((await call("GET", "/v1/properties/prop_0mh1x2k3a9f4c7e2b")).status).toBe(404);
    expect(of("/v1/properties/:id").at(-1)!.blobs).toEqual(["/v1/properties/:id", "GET", "4xx", "not_found"]);
    expect((await call("GET", `/v1/no/such/${property.id}`)).status).toBe(404);
    expect(of("unmatched").at(-1)!.blobs).toEqual(["unmatched", "GET", "4xx", "not_found"]);
  });

  it("counts the time a request waited on Postgres and on Durable Objects", async () => {
    const { tenant, room } = await leased();
    const of = points();
    expect((await call("GET", "/v1/leases", { token: tenant.accessToken })).status).toBe(200);
    const [pgPoint] = of("/v1/leases");
    expect(pgPoint!.doubles![2]).toBeGreaterThan(0); // Postgres
    expect((await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(1)}&to=${inDays(30)}`)).status).toBe(
      200,
    );
    const [doPoint] = of("/v1/rooms/:id/availability");
    expect(doPoint!.doubles![3]).toBeGreaterThan(0); // the room's calendar
    expect(doPoint!.doubles![2]).toBe(0);
  });
});
