import { newTraceId, withTrace } from "../trace";
import { DomainEvent, type EventOf, type EventType } from "../../schema/events";
import { d1, type D1Db } from "../data/d1";
import { CLAIM_STALE_MS, claimEvent, dropClaim, finishEvent } from "../data/processed-events";
import { log } from "../log";
import { recordDeadLetter } from "./dead-letter";
import {
  cancelBookingLedger,
  confirmBookingLease,
  expireBooking,
  projectBooking,
  recordHeld,
  recordHeldBatch,
} from "./bookings";
import { freeNights, takeNights } from "./availability";
import { noteBooking } from "./interactions";
import { sendEmail } from "./email";
import { projectViewing } from "./viewings";
import { offerAccepted, offerDeclined, offerSent } from "./offers";
import {
  noticeBooking,
  noticeChatMessage,
  noticeDepositSettled,
  noticeInvoice,
  noticeLeaseEnded,
  noticeRefundFailed,
  noticeViewing,
} from "./notifications";
import { projectListing, projectListingBatch } from "./listing";
import { applyStripeEvent } from "./payments";

export type Handlers = { [T in EventType]: (event: EventOf<T>, env: Env, db: D1Db) => Promise<void> };

/** One handler per event type; the union in schema/events.ts makes a missing one a type error. */
export const handlers: Handlers = {
  "listing.changed": projectListing,
  "media.uploaded": projectListing,
  "booking.held": all(recordHeld, takeNights, noteBooking, noticeBooking),
  "booking.confirmed": all(confirmBookingLease, takeNights, noticeBooking),
  "booking.cancelled": all(cancelBookingLedger, freeNights, noticeBooking),
  "booking.expired": all(expireBooking, freeNights, noticeBooking),
  "booking.payment_failed": all(projectBooking, freeNights, noticeBooking),
  "stripe.event_received": applyStripeEvent,
  "invoice.issued": noticeInvoice,
  "invoice.reminder": noticeInvoice,
  "invoice.late_fee": noticeInvoice,
  "invoice.charge_failed": noticeInvoice,
  "lease.ended": noticeLeaseEnded,
  "refund.failed": noticeRefundFailed,
  "viewing.booked": all(projectViewing, noticeViewing),
  "viewing.cancelled": all(projectViewing, noticeViewing),
  "viewing.reminder": noticeViewing,
  "chat.message_unread": noticeChatMessage,
  "email.requested": sendEmail,
  "deposit.settled": noticeDepositSettled,
  "offer.sent": offerSent,
  "offer.accepted": offerAccepted,
  "offer.declined": offerDeclined,
};

/** Handlers of one event, one after the other (each is idempotent, so a retry may run them all again). */
function all<E>(
  ...steps: ((event: E, env: Env, db: D1Db) => Promise<void>)[]
): (event: E, env: Env, db: D1Db) => Promise<void> {
  return async (event, env, db) => {
    for (const step of steps) await step(event, env, db);
  };
}

/** A per-event handler run over a batch, each event on its own: answers the ids of the events that failed. */
function eachOf<E extends { id: string; traceId?: string }>(
  handler: (event: E, env: Env, db: D1Db) => Promise<void>,
): (events: E[], env: Env, db: D1Db) => Promise<Set<string>> {
  return async (events, env, db) => {
    const results = await Promise.allSettled(events.map((e) => inTraceOf(e, () => handler(e, env, db))));
    return new Set(events.filter((_, i) => results[i]!.status === "rejected").map((e) => e.id));
  };
}

export type BatchHandlers = {
  [T in EventType]?: (events: EventOf<T>[], env: Env, db: D1Db) => Promise<Set<string>>;
};

/**
 * Event types handled a whole queue batch at once (a busy room's outbox sends many): their
 * handlers are idempotent by construction, so they skip the per-event claim. Each returns the ids
 * of the events to retry.
 */
export const batchHandlers: BatchHandlers = {
  "listing.changed": projectListingBatch,
  "media.uploaded": projectListingBatch,
  "booking.held": async (events, env, db) => {
    const failed = await Promise.all([
      recordHeldBatch(events, env, db),
      eachOf(takeNights)(events, env, db),
      eachOf(noteBooking)(events, env, db),
      eachOf(noticeBooking)(events, env, db),
    ]);
    return new Set(failed.flatMap((ids) => [...ids]));
  },
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
export async function consumeEvents(
  batch: MessageBatch<unknown>,
  env: Env,
  table: Handlers = handlers,
  batched: BatchHandlers = batchHandlers,
): Promise<void> {
  const db = d1(env);
  const parsed = await Promise.all(
    batch.messages.map(async (msg) => {
      const result = DomainEvent.safeParse(msg.body);
      if (result.success) return { msg, event: result.data };
      // Retrying cannot fix a malformed message: keep it for a human and move on.
      await recordDeadLetter(db, batch.queue, msg, "unparseable event");
      msg.ack();
      return null;
    }),
  );
  const valid = parsed.filter((p) => p !== null);
  for (const type of new Set(valid.map((v) => v.event.type))) {
    if (batched[type])
      await consumeAsBatch(
        batched,
        type,
        valid.filter((v) => v.event.type === type),
        env,
        db,
      );
  }
  for (const { msg, event } of valid) {
    if (batched[event.type]) continue;
    let claim: Awaited<ReturnType<typeof claimEvent>> | undefined;
    try {
      claim = await claimEvent(db, event);
      if (claim === "busy") {
        msg.retry({ delaySeconds: BUSY_RETRY_SECONDS });
        continue;
      }
      if (claim === "run") {
        await inTraceOf(event, () => dispatch(table, event, env, db));
        await finishEvent(db, event.id);
      }
      msg.ack();
    } catch (err) {
      log("error", "event handler failed", {
        eventId: event.id,
        type: event.type,
        attempts: msg.attempts,
        err: String(err),
      });
      if (claim === "run") await dropClaim(db, event.id).catch(() => undefined); // else the claim goes stale and is taken over
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

/** One event type's messages through its batch handler; a failure retries only the events it concerns. */
async function consumeAsBatch(
  batched: BatchHandlers,
  type: EventType,
  items: { msg: Message<unknown>; event: DomainEvent }[],
  env: Env,
  db: D1Db,
): Promise<void> {
  const handler = batched[type] as (events: DomainEvent[], env: Env, db: D1Db) => Promise<Set<string>>;
  let retry: Set<string>;
  try {
    retry = await handler(
      items.map((h) => h.event),
      env,
      db,
    );
  } catch (err) {
    log("error", "batch handler failed", { type, count: items.length, err: String(err) });
    retry = new Set(items.map((h) => h.event.id));
  }
  for (const { msg, event } of items) {
    if (retry.has(event.id)) msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    else msg.ack();
  }
}

/** Runs an event's work in the trace it was raised in (a new one for events from before traces). */
function inTraceOf<T>(event: { traceId?: string }, work: () => Promise<T>): Promise<T> {
  return withTrace(event.traceId ?? newTraceId(), work);
}

/** 10 s, 20 s, 40 s … capped at 15 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 900);
}

function dispatch(table: Handlers, event: DomainEvent, env: Env, db: D1Db): Promise<void> {
  const handler = table[event.type] as (e: DomainEvent, env: Env, db: D1Db) => Promise<void>;
  return handler(event, env, db);
}
