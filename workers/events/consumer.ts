import { DomainEvent, type EventOf, type EventType } from "../../schema/events";
import { d1, type D1Db } from "../data/db";
import { CLAIM_STALE_MS, claimEvent, dropClaim, finishEvent } from "../data/processed-events";
import { log } from "../http/log";
import { recordDeadLetter } from "./dead-letter";
import { cancelBookingLedger, confirmBookingLease, expireBooking, projectBooking } from "./bookings";
import { logNotice } from "./notices";
import { projectListing } from "./listing";
import { applyStripeEvent } from "./payments";

export type Handlers = { [T in EventType]: (event: EventOf<T>, env: Env, db: D1Db) => Promise<void> };

/** One handler per event type; the union in schema/events.ts makes a missing one a type error. */
export const handlers: Handlers = {
  "listing.changed": projectListing,
  "booking.held": projectBooking,
  "booking.confirmed": confirmBookingLease,
  "booking.cancelled": cancelBookingLedger,
  "booking.expired": expireBooking,
  "booking.payment_failed": projectBooking,
  "stripe.event_received": applyStripeEvent,
  "invoice.issued": logNotice,
  "invoice.reminder": logNotice,
  "invoice.late_fee": logNotice,
  "invoice.charge_failed": logNotice,
  "lease.ended": logNotice,
};

/**
 * How long a delivery waits while another delivery of the same event holds its claim: past the
 * claim's staleness, so that if the holder died, the next delivery takes over instead of spending
 * the queue's few retries (max_retries) on "busy" and landing in the dead-letter queue.
 */
const BUSY_RETRY_SECONDS = CLAIM_STALE_MS / 1000 + 30;

/**
 * Consumes a batch of EVENTS: parses each message against the event union, claims its id (so a
 * duplicate delivery, even a simultaneous one, runs the handler once), acknowledges each message
 * on its own and retries only the failures with exponential backoff. After `max_retries` the
 * queue moves a message to the dead-letter queue.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env, table: Handlers = handlers): Promise<void> {
  const db = d1(env);
  for (const msg of batch.messages) {
    const parsed = DomainEvent.safeParse(msg.body);
    if (!parsed.success) {
      // Retrying cannot fix a malformed message: keep it for a human and move on.
      await recordDeadLetter(db, batch.queue, msg, "unparseable event");
      msg.ack();
      continue;
    }
    const event = parsed.data;
    let claim: Awaited<ReturnType<typeof claimEvent>> | undefined;
    try {
      claim = await claimEvent(db, event);
      if (claim === "busy") {
        msg.retry({ delaySeconds: BUSY_RETRY_SECONDS });
        continue;
      }
      if (claim === "run") {
        await dispatch(table, event, env, db);
        await finishEvent(db, event.id);
      }
      msg.ack();
    } catch (err) {
      log("error", "event handler failed", { eventId: event.id, type: event.type, attempts: msg.attempts, err: String(err) });
      if (claim === "run") await dropClaim(db, event.id).catch(() => undefined); // else the claim goes stale and is taken over
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

/** 10 s, 20 s, 40 s … capped at 15 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 900);
}

function dispatch(table: Handlers, event: DomainEvent, env: Env, db: D1Db): Promise<void> {
  const handler = table[event.type] as (e: DomainEvent, env: Env, db: D1Db) => Promise<void>;
  return handler(event, env, db);
}

