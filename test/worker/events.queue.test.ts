import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../schema/events";
import { backoffSeconds, consumeEvents, handlers, type Handlers } from "../../workers/events/consumer";
import { d1 } from "../../workers/data/d1";
import { announce, newEvent } from "../../workers/outbox";
import worker from "../../workers/index";
import { landlordWithRoom, call } from "./helpers";

const message = (body: unknown, attempts = 1) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body });

/**
 * listing.changed is consumed a batch at a time in production (workers/events/listing.ts); these
 * tests drive the per-event claim path with it, so they pass no batch handlers.
 */
const perEvent = {};

/** A handler table that counts and can fail on chosen event ids. */
function countingHandlers(failOn = new Set<string>()) {
  const seen: string[] = [];
  const table: Handlers = {
    ...handlers,
    "listing.changed": async (event) => {
      seen.push(event.id);
      if (failOn.has(event.id)) throw new Error("boom");
    },
  };
  return { seen, table };
}

describe("EVENTS consumer", () => {
  it("applies each event once: a duplicate delivery is a no-op", async () => {
    const event = newEvent("listing.changed", { propertyId: "prop_x", reason: "created" });
    const { seen, table } = countingHandlers();
    const first = createMessageBatch("roomline-events", [message(event)]);
    await consumeEvents(first, env, table, perEvent);
    const again = createMessageBatch("roomline-events", [message(event, 2), message(event, 1)]);
    await consumeEvents(again, env, table, perEvent);
    expect(seen).toEqual([event.id]);
    const ctx = createExecutionContext();
    expect((await getQueueResult(again, ctx)).explicitAcks).toHaveLength(2);
  });

  it("retries only the failing message, with backoff, and acknowledges the others", async () => {
    const events = [0, 1, 2].map(() => newEvent("listing.changed", { propertyId: "prop_y", reason: "updated" }));
    const { seen, table } = countingHandlers(new Set([events[1]!.id]));
    const messages = events.map((e) => message(e, 3));
    const batch = createMessageBatch("roomline-events", messages);
    await consumeEvents(batch, env, table, perEvent);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks.sort()).toEqual([messages[0]!.id, messages[2]!.id].sort());
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[1]!.id]);
    expect(result.retryBatch.retry).toBe(false);

    // redelivering the whole batch re-runs only the one that failed
    const { seen: second, table: healthy } = countingHandlers();
    await consumeEvents(
      createMessageBatch(
        "roomline-events",
        events.map((e) => message(e, 4)),
      ),
      env,
      healthy,
      perEvent,
    );
    expect(seen).toEqual(events.map((e) => e.id));
    expect(second).toEqual([events[1]!.id]);
  });

  it("runs the handler once when two deliveries of one event arrive at the same moment", async () => {
    const event = newEvent("listing.changed", { propertyId: "prop_twice", reason: "updated" });
    const seen: string[] = [];
    const slow: Handlers = {
      ...handlers,
      "listing.changed": async (e) => {
        seen.push(e.id);
        await new Promise((r) => setTimeout(r, 200));
      },
    };
    const batches = [message(event), message(event)].map((m) => createMessageBatch("roomline-events", [m]));
    await Promise.all(batches.map((b) => consumeEvents(b, env, slow, perEvent)));
    expect(seen).toEqual([event.id]);
    const results = await Promise.all(batches.map((b) => getQueueResult(b, createExecutionContext())));
    expect(results.map((r) => r.explicitAcks.length).sort()).toEqual([0, 1]);
    expect(results.flatMap((r) => r.retryMessages)).toHaveLength(1); // the busy one comes back later and finds it done
    await consumeEvents(createMessageBatch("roomline-events", [message(event, 2)]), env, slow, perEvent);
    expect(seen).toEqual([event.id]);
  });

  it("takes over the claim of a consumer that died while handling", async () => {
    const event = newEvent("listing.changed", { propertyId: "prop_orphan", reason: "updated" });
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await env.DB.prepare(
      "insert into processed_events (event_id, type, status, claimed_at) values (?, ?, 'claimed', ?)",
    )
      .bind(event.id, event.type, old)
      .run();
    const { seen, table } = countingHandlers();
    await consumeEvents(createMessageBatch("roomline-events", [message(event, 2)]), env, table, perEvent);
    expect(seen).toEqual([event.id]);
    expect(
      await env.DB.prepare("select status from processed_events where event_id = ?").bind(event.id).first(),
    ).toEqual({ status: "done" });
  });

  it("sends an unparseable message to dead letters instead of retrying it forever", async () => {
    const bad = message({ type: "listing.changed", id: "evt_bad" });
    const batch = createMessageBatch("roomline-events", [bad]);
    await consumeEvents(batch, env, countingHandlers().table, perEvent);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([bad.id]);
    const row = await env.DB.prepare("select event_type from dead_letters where message_id = ?").bind(bad.id).first();
    expect(row).toEqual({ event_type: "listing.changed" });
  });

  it("records what reaches the dead-letter queue", async () => {
    const event = newEvent("listing.changed", { propertyId: "prop_dead", reason: "created" });
    const msg = message(event, 6);
    const batch = createMessageBatch("roomline-events-dlq", [msg]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([msg.id]);
    const row = await env.DB.prepare("select queue, attempts, body from dead_letters where message_id = ?")
      .bind(msg.id)
      .first<{ queue: string; attempts: number; body: string }>();
    expect(row?.queue).toBe("roomline-events-dlq");
    expect(row?.attempts).toBe(6);
    expect(JSON.parse(row!.body).id).toBe(event.id);
  });
});

describe("backoff", () => {
  it("doubles from 10 s per attempt and caps at 15 minutes", () => {
    expect([1, 2, 3, 4, 7, 20].map(backoffSeconds)).toEqual([10, 20, 40, 80, 640, 900]);
  });
});

describe("listing.changed projection", () => {
  it("projects rooms into the listings read model and follows archival", async () => {
    const { landlord, property, room } = await landlordWithRoom();
    const event: DomainEvent = newEvent("listing.changed", { propertyId: property.id, reason: "created" });
    const ctx = createExecutionContext();
    await worker.queue(createMessageBatch("roomline-events", [message(event)]), env, ctx);
    const listing = () =>
      env.DB.prepare("select room_id, city, price_amount, currency, active from listings where room_id = ?")
        .bind(room.id)
        .first();
    expect(await listing()).toEqual({
      room_id: room.id,
      city: "Lisbon",
      price_amount: 65000,
      currency: "EUR",
      active: 1,
    });

    await call("DELETE", `/v1/properties/${property.id}`, { token: landlord.accessToken });
    await handlers["listing.changed"](
      newEvent("listing.changed", { propertyId: property.id, reason: "archived" }),
      env,
      (await import("../../workers/data/d1")).d1(env),
    );
    expect((await listing())?.active).toBe(0);
  });
});

describe("outbox sweep (cron)", () => {
  it("sends events whose send after the write never happened", async () => {
    const event = newEvent("listing.changed", { propertyId: "prop_lost", reason: "created" });
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    await env.DB.prepare("insert into outbox (id, type, payload, created_at) values (?, ?, ?, ?)")
      .bind(event.id, event.type, JSON.stringify(event), old)
      .run();
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
      env,
      createExecutionContext(),
    );
    const row = await env.DB.prepare("select sent_at from outbox where id = ?")
      .bind(event.id)
      .first<{ sent_at: string | null }>();
    expect(row?.sent_at).not.toBeNull();
  });

  it("marks a full page of events sent (more ids than D1 binds in one statement)", async () => {
    const events = Array.from({ length: 100 }, (_, i) =>
      newEvent("listing.changed", { propertyId: `prop_page${i}`, reason: "created" }),
    );
    await announce(env, d1(env), events);
    const ids = events.map((e) => e.id);
    const unsent = await env.DB.prepare(
      `select count(*) as n from outbox where sent_at is null and id in (${ids.map(() => "?").join(",")})`,
    )
      .bind(...ids)
      .first<{ n: number }>();
    expect(unsent?.n).toBe(0);
  });
});
