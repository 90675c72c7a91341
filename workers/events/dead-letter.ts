import { DomainEvent } from "../../schema/events";
import { d1, type D1Db } from "../data/d1";
import { deadLetterCount, insertDeadLetter, markReplayed } from "../data/dead-letters";
import { log } from "../log";

/**
 * How long a money event waits before each replay: an event reaches the dead-letter queue after
 * about 5 minutes of retries (max_retries 5, backoff 10 s doubling), far less than an outage of
 * Postgres, Stripe or a region lasts. Three replays cover about 3 hours; after that the record
 * stays and the reconciliation cron drives what the event was about from the stores themselves.
 */
export const REPLAY_DELAYS_SECONDS = [5 * 60, 30 * 60, 2 * 3600];

/** When the queue refuses a replay, the dead letter comes back this much later to try again. */
const SEND_RETRY_SECONDS = 60;

/** Events that move or decide money: lost, a payment stays taken with no booking, or a booking held with no payment. */
export function isMoneyEvent(type: string | null): boolean {
  return type === "stripe.event_received" || (type?.startsWith("booking.") ?? false);
}

/**
 * Consumes the dead-letter queue. Every message is kept (once per message id) for the engineer on
 * call. Money events are also handed back to EVENTS after a delay, up to REPLAY_DELAYS_SECONDS.length
 * times per event (each round that fails again arrives here as a new message, so the rows of an
 * event count its rounds): their handlers are idempotent, so a replay after the outage finishes
 * what the outage interrupted. Anything else stays stored only.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = d1(env);
  for (const msg of batch.messages) {
    const event = DomainEvent.safeParse(msg.body);
    await recordDeadLetter(db, batch.queue, msg, "retries exhausted");
    if (!event.success || !isMoneyEvent(event.data.type)) {
      msg.ack();
      continue;
    }
    const round = await deadLetterCount(db, event.data.id);
    const delaySeconds = REPLAY_DELAYS_SECONDS[round - 1];
    if (delaySeconds === undefined) {
      log("error", "dead letter given up: left to reconciliation", {
        eventId: event.data.id,
        type: event.data.type,
        rounds: round,
      });
      msg.ack();
      continue;
    }
    try {
      await env.EVENTS.send(event.data, { contentType: "json", delaySeconds });
      await markReplayed(db, msg.id);
      log("warn", "dead letter replayed", { eventId: event.data.id, type: event.data.type, round, delaySeconds });
      msg.ack();
    } catch (err) {
      // The queue is still unreachable: the record is kept; the message comes back to try again.
      log("error", "dead letter replay failed", { eventId: event.data.id, err: String(err).slice(0, 300) });
      msg.retry({ delaySeconds: SEND_RETRY_SECONDS });
    }
  }
}

/** Logs a message no handler could take and keeps it (once per message id) with why it was given up. */
export async function recordDeadLetter(db: D1Db, queue: string, msg: Message<unknown>, reason: string): Promise<void> {
  const body = msg.body as { type?: unknown; id?: unknown } | null;
  const eventType = typeof body?.type === "string" ? body.type : null;
  const eventId = typeof body?.id === "string" ? body.id : null;
  log("error", "dead letter", { queue, messageId: msg.id, eventType, eventId, attempts: msg.attempts, reason });
  await insertDeadLetter(db, {
    messageId: msg.id,
    queue,
    eventType,
    eventId,
    body: JSON.stringify(msg.body) ?? "null",
    attempts: msg.attempts,
  });
}
