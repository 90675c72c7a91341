import type { EventOf, EventType, DomainEvent } from "../../schema/events";
import type { D1Db } from "../data/db";
import { markSent } from "../data/outbox";
import { log } from "../http/log";
import { newId } from "../domain/ids";

/** Builds a typed event with a fresh id. */
export function newEvent<T extends EventType>(type: T, data: EventOf<T>["data"]): EventOf<T> {
  return { id: newId("evt"), type, occurredAt: new Date().toISOString(), data } as EventOf<T>;
}

/**
 * Sends events already written to the outbox and marks them sent. A failed send is only logged:
 * the outbox sweep (cron) sends it later, so the write that produced it never fails for it.
 */
export async function publish(env: Env, db: D1Db, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await env.EVENTS.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
    await markSent(db, events.map((e) => e.id));
  } catch (err) {
    log("warn", "event publish deferred to outbox sweep", { events: events.map((e) => e.id), err: String(err) });
  }
}
