import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, eventually, inDays, json, landlordWithRoom, signUp } from "./helpers";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

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
    const trace = crypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");
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
