import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, eventually, json } from "./helpers";
import { deliver, signature, stripePost } from "./stripe";

const event = () => ({
  id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
  object: "event",
  type: "customer.created",
  created: Math.floor(Date.now() / 1000),
  data: { object: { id: "cus_1", object: "customer", metadata: {} } },
});

describe("POST /v1/webhooks/stripe", () => {
  it("accepts a correctly signed event it acts on and records it once in Postgres", async () => {
    const pi = await json(await stripePost("/v1/payment_intents", { amount: "1000", currency: "eur" }));
    const e = {
      ...event(),
      type: "payment_intent.canceled",
      data: { object: { id: pi.id, object: "payment_intent", metadata: {} } },
    };
    expect(await json(await deliver(e))).toEqual({ received: true, duplicate: false });
    const { withPg } = await import("../../workers/data/pg");
    // once the consumer has applied it, a redelivery is a duplicate
    await eventually(async () => {
      const done = await withPg(env, (_db, client) =>
        client.query("select 1 from stripe_events where id = $1 and processed_at is not null", [e.id]),
      );
      return done.rows.length ? true : undefined;
    });
    expect(await json(await deliver(e))).toEqual({ received: true, duplicate: true });
    const rows = await withPg(env, (_db, client) =>
      client.query("select type from stripe_events where id = $1", [e.id]),
    );
    expect(rows.rows).toEqual([{ type: "payment_intent.canceled" }]);
  });

  it("acknowledges an event type nothing acts on without writing it to Postgres", async () => {
    const e = event();
    expect(await json(await deliver(e))).toEqual({ received: true, duplicate: false, ignored: true });
    const { withPg } = await import("../../workers/data/pg");
    const rows = await withPg(env, (_db, client) => client.query("select 1 from stripe_events where id = $1", [e.id]));
    expect(rows.rows).toEqual([]);
  });

  it("rejects a tampered body", async () => {
    const e = event();
    const payload = JSON.stringify(e);
    const sig = await signature(payload, env.STRIPE_WEBHOOK_SECRETS.split(",")[0]!);
    const res = await call("POST", "/v1/webhooks/stripe", {
      body: payload.replace("customer.created", "customer.deleted"),
      headers: { "stripe-signature": sig },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe("invalid_signature");
  });

  it("rejects stale and future timestamps, a wrong secret and a missing signature", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await deliver(event(), { t: now - 600 })).status).toBe(400);
    expect((await deliver(event(), { t: now + 600 })).status).toBe(400);
    expect((await deliver(event(), { secret: "whsec_wrong" })).status).toBe(400);
    expect((await call("POST", "/v1/webhooks/stripe", { body: event() })).status).toBe(400);
  });

  it("accepts events signed with the previous secret during rotation", async () => {
    const previous = env.STRIPE_WEBHOOK_SECRETS.split(",")[1]!;
    expect((await deliver(event(), { secret: previous })).status).toBe(200);
  });
});
