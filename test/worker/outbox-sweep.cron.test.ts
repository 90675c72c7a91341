import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sweepOutbox } from "../../workers/cron/outbox-sweep";
import worker from "../../workers/index";
import { newEvent } from "../../workers/outbox";

afterEach(() => vi.restoreAllMocks());

/** Writes `n` events into the outbox as if their sends after the write had all failed five minutes ago. */
async function backlog(n: number, padding = 0): Promise<string[]> {
  const createdAt = new Date(Date.now() - 5 * 60_000).toISOString();
  const events = Array.from({ length: n }, (_, i) =>
    newEvent("listing.changed", { propertyId: `prop_backlog${i}${"x".repeat(padding)}`, reason: "created" }),
  );
  const statements = [];
  for (let i = 0; i < events.length; i += 24) {
    const chunk = events.slice(i, i + 24);
    statements.push(
      env.DB.prepare(
        `insert into outbox (id, type, payload, created_at) values ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`,
      ).bind(...chunk.flatMap((e) => [e.id, e.type, JSON.stringify(e), createdAt])),
    );
  }
  await env.DB.batch(statements);
  return events.map((e) => e.id);
}

const unsent = async () =>
  (await env.DB.prepare("select count(*) as n from outbox where sent_at is null").first<{ n: number }>())!.n;

describe("outbox sweep (five-minute cron)", () => {
  it("drains a backlog of thousands in one run, in batches the queue accepts", async () => {
    await backlog(3000);
    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch"); // the local queue, for real
    const result = await sweepOutbox(env);
    expect(result).toMatchObject({ sent: 3000, stoppedBy: "drained" });
    expect(await unsent()).toBe(0);
    const sizes = sendBatch.mock.calls.map(([batch]) => [...batch].length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3000);
    console.log(
      `outbox sweep: ${result.sent} events in ${result.ms} ms (${Math.round((result.sent / result.ms) * 1000)} a second)`,
    );
  });

  it("keeps each send under the queue's 256 KB per batch", async () => {
    await backlog(200, 2000); // about 2 KB each: 100 of them would be over 256 KB
    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch").mockResolvedValue(undefined as never);
    await sweepOutbox(env);
    const bytes = sendBatch.mock.calls.map(([batch]) =>
      [...batch].reduce((sum, m) => sum + JSON.stringify(m.body).length, 0),
    );
    expect(Math.max(...bytes)).toBeLessThanOrEqual(256_000);
    expect(await unsent()).toBe(0);
  });

  it("stops at its time budget and at a queue that refuses, leaving the rest for the next run", async () => {
    await backlog(1200);
    vi.spyOn(env.EVENTS, "sendBatch").mockResolvedValue(undefined as never);
    expect(await sweepOutbox(env, 1)).toMatchObject({ sent: 500, pages: 1, stoppedBy: "budget" });
    expect(await unsent()).toBe(700);
    vi.spyOn(env.EVENTS, "sendBatch").mockRejectedValue(new Error("queue unavailable"));
    expect(await sweepOutbox(env)).toMatchObject({ sent: 0, stoppedBy: "queue_error" });
    expect(await unsent()).toBe(700);
    vi.restoreAllMocks();
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
      env,
      createExecutionContext(),
    );
    expect(await unsent()).toBe(0);
  });
});
