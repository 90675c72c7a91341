import { currentTraceId } from "./trace";
import type { EventOf, EventType, DomainEvent } from "../schema/events";
import type { D1Db } from "./data/d1";
import { markSent, outboxInsert } from "./data/outbox";
import { log } from "./log";
import { newId } from "./domain/ids";

/** Builds a typed event (a fresh id unless it is named after what it reports), in the current trace. */
export function newEvent<T extends EventType>(type: T, data: EventOf<T>["data"], id = newId("evt")): EventOf<T> {
  const traceId = currentTraceId();
  return { id, type, occurredAt: new Date().toISOString(), ...(traceId ? { traceId } : {}), data } as EventOf<T>;
}

/**
 * Sends events already written to the outbox and marks them sent. A failed send is only logged:
 * the outbox sweep (cron) sends it later, so the write that produced it never fails for it.
 */
export async function publish(env: Env, db: D1Db, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await env.EVENTS.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
    await markSent(
      db,
      events.map((e) => e.id),
    );
  } catch (err) {
    log("warn", "event publish deferred to outbox sweep", {
      count: events.length,
      firstEvent: events[0]!.id,
      err: String(err).slice(0, 300),
    });
  }
}

/** Outbox rows per D1 batch when announcing many events at once (a billing run). */
const ANNOUNCE_CHUNK = 100;

/**
 * Announces events that follow a change already committed elsewhere (Postgres, a Durable
 * Object): each goes into the outbox first, so a failed send is retried by the sweep.
 */
export async function announce(env: Env, db: D1Db, events: DomainEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += ANNOUNCE_CHUNK) {
    const chunk = events.slice(i, i + ANNOUNCE_CHUNK);
    const [first, ...rest] = chunk.map((e) => outboxInsert(db, e));
    await db.batch([first!, ...rest]);
    await publish(env, db, chunk);
  }
}
