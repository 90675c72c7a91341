import type { DomainEvent } from "../../schema/events";
import { d1 } from "../data/d1";
import { findUnsent, markSent } from "../data/outbox";
import { log } from "../log";

/** Unsent rows read per page: one D1 read, several queue sends, one D1 batch marking them sent. */
const PAGE = 500;
/** Cloudflare Queues' sendBatch limits: 100 messages and 256 KB in all, 128 KB per message. */
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 250_000;
const MESSAGE_BYTES = 128_000;
/** Wall time a run may spend; far below the five minutes to the next run, so runs never overlap. */
export const SWEEP_BUDGET_MS = 25_000;

export interface SweepResult {
  sent: number;
  pages: number;
  ms: number;
  stoppedBy: "drained" | "budget" | "queue_error";
}

/**
 * Events are sent right after their write; this resends any whose send failed (older than a
 * minute), page after page until none are left or the time budget is spent, so a backlog left by
 * a queue outage drains in minutes rather than at 100 per run. Each page goes out in sendBatch
 * calls within the queue's limits, at once, and is marked sent in one D1 batch; a queue that
 * refuses ends the run (the next one, five minutes later, carries on). Sending twice is harmless:
 * consumers deduplicate by event id.
 */
export async function sweepOutbox(env: Env, budgetMs = SWEEP_BUDGET_MS): Promise<SweepResult> {
  const db = d1(env);
  const started = Date.now();
  let sent = 0;
  let pages = 0;
  for (;;) {
    const events = await findUnsent(db, 60_000, PAGE);
    if (events.length === 0) return { sent, pages, ms: Date.now() - started, stoppedBy: "drained" };
    pages++;
    const { batches, oversized } = toBatches(events);
    const results = await Promise.allSettled(
      batches.map((batch) => env.EVENTS.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })))),
    );
    const accepted = batches.filter((_, i) => results[i]!.status === "fulfilled").flat();
    await markSent(
      db,
      accepted.map((e) => e.id),
    );
    sent += accepted.length;
    for (const e of oversized) log("error", "outbox event too large for the queue", { eventId: e.id, type: e.type });
    const refused = results.find((r) => r.status === "rejected");
    if (refused) {
      log("warn", "outbox sweep stopped: the queue refused a batch", {
        sent,
        err: String(refused.reason).slice(0, 300),
      });
      return { sent, pages, ms: Date.now() - started, stoppedBy: "queue_error" };
    }
    if (events.length < PAGE || accepted.length === 0)
      return { sent, pages, ms: Date.now() - started, stoppedBy: "drained" };
    if (Date.now() - started >= budgetMs) return { sent, pages, ms: Date.now() - started, stoppedBy: "budget" };
  }
}

/** Splits events into sendBatch calls of at most BATCH_MESSAGES and BATCH_BYTES; one too large to send at all is set apart. */
function toBatches(events: DomainEvent[]): { batches: DomainEvent[][]; oversized: DomainEvent[] } {
  const batches: DomainEvent[][] = [];
  const oversized: DomainEvent[] = [];
  let current: DomainEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = new TextEncoder().encode(JSON.stringify(event)).byteLength;
    if (size > MESSAGE_BYTES) {
      oversized.push(event);
      continue;
    }
    if (current.length === BATCH_MESSAGES || bytes + size > BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return { batches, oversized };
}
