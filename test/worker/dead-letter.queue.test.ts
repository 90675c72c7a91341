import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DomainEvent } from "../../schema/events";
import worker from "../../workers/index";
import { newEvent } from "../../workers/outbox";

afterEach(() => vi.restoreAllMocks());

const message = (body: unknown, attempts = 6) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body });

/** Runs the dead-letter queue's consumer as the Queues runtime would, with EVENTS' sends recorded (not delivered). */
async function deadLetters(
  bodies: unknown[],
  send: (body: unknown, opts?: QueueSendOptions) => Promise<void> = async () => undefined,
) {
  const sent: { body: unknown; delaySeconds: number | undefined }[] = [];
  vi.spyOn(env.EVENTS, "send").mockImplementation(async (body, opts) => {
    await send(body, opts);
    sent.push({ body, delaySeconds: opts?.delaySeconds });
    return undefined as never;
  });
  const messages = bodies.map((body) => message(body));
  const batch = createMessageBatch("roomline-events-dlq", messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  vi.restoreAllMocks();
  return { sent, messages, result: await getQueueResult(batch, ctx) };
}

function rowsOf(eventId: string) {
  return env.DB.prepare(
    "select message_id, event_type, replayed_at from dead_letters where event_id = ? order by rowid",
  )
    .bind(eventId)
    .all<{ message_id: string; event_type: string; replayed_at: string | null }>();
}

describe("dead-letter queue consumer", () => {
  it("hands money events back to EVENTS after a delay and keeps their record", async () => {
    const events: DomainEvent[] = [
      newEvent("booking.confirmed", { bookingId: "bkg_dead" }),
      {
        id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
        type: "stripe.event_received",
        occurredAt: new Date().toISOString(),
        data: { stripeType: "payment_intent.succeeded", paymentIntentId: "pi_dead", bookingId: null },
      },
    ];
    const { sent, result } = await deadLetters(events);
    expect(sent).toEqual(events.map((body) => ({ body, delaySeconds: 300 })));
    expect(result.explicitAcks).toHaveLength(2);
    for (const e of events) {
      const { results } = await rowsOf(e.id);
      expect(results).toHaveLength(1);
      expect(results[0]!.replayed_at).not.toBeNull();
    }
  });

  it("replays an event at most three times, later each time, then leaves it stored for reconciliation", async () => {
    const event = newEvent("booking.expired", { bookingId: "bkg_again" });
    const delays = [];
    // each replay that fails its retries again reaches the dead-letter queue as a new message
    for (let round = 0; round < 5; round++) delays.push((await deadLetters([event])).sent.map((s) => s.delaySeconds));
    expect(delays).toEqual([[300], [1800], [7200], [], []]);
    const { results } = await rowsOf(event.id);
    expect(results.map((r) => r.replayed_at !== null)).toEqual([true, true, true, false, false]);
  });

  it("keeps other events stored only", async () => {
    const event = newEvent("listing.changed", { propertyId: "prop_dead", reason: "created" });
    const { sent, result } = await deadLetters([event, { not: "an event" }]);
    expect(sent).toEqual([]);
    expect(result.explicitAcks).toHaveLength(2);
    expect((await rowsOf(event.id)).results.map((r) => [r.event_type, r.replayed_at])).toEqual([
      ["listing.changed", null],
    ]);
  });

  it("keeps the record and retries the dead letter itself while the queue refuses the replay", async () => {
    const event = newEvent("booking.cancelled", { bookingId: "bkg_down", refundedAmount: 0 });
    const { messages, result } = await deadLetters([event], async () => {
      throw new Error("queue unavailable");
    });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[0]!.id]);
    expect((await rowsOf(event.id)).results.map((r) => r.replayed_at)).toEqual([null]);
    // the same message comes back: stored once, replayed now that the queue takes it
    const batch = createMessageBatch("roomline-events-dlq", [{ ...messages[0]!, attempts: 7 }]);
    const sent = vi.spyOn(env.EVENTS, "send").mockResolvedValue(undefined as never);
    await worker.queue(batch, env, createExecutionContext());
    expect(sent).toHaveBeenCalledWith(event, { contentType: "json", delaySeconds: 300 });
    expect((await rowsOf(event.id)).results.map((r) => r.replayed_at !== null)).toEqual([true]);
  });
});
