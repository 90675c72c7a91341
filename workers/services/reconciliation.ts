import type Stripe from "stripe";
import type { Deps } from "../deps";
import { advanceBooking, findBookings, heldBookingsBefore, type BookingRow, type HeldCursor } from "../data/bookings";
import { deadLetterCounts } from "../data/dead-letters";
import { withPg } from "../data/pg";
import { doneEvents } from "../data/processed-events";
import { markStripeEventsProcessed, unprocessedStripeEvents, type PendingStripeEvent } from "../data/stripe-events";
import { REPLAY_DELAYS_SECONDS } from "../events/dead-letter";
import { log } from "../log";
import { findPaymentIntent, paymentIntentsCreated } from "../payments/booking-payments";
import { isLive, refundsOf } from "../payments/refunds";
import { toQueueEvent } from "../payments/webhooks";
import { compensateExpiredHold, confirmPaidBooking, failBooking, type BookingRef } from "./bookings";

/** A booking the read model has shown held for this long is checked against its calendar and Stripe. */
export const HELD_AFTER_MS = 5 * 60_000;
/** A recorded Stripe event still unapplied this long after it arrived has outlived the queue's retries (about 5 minutes). */
export const STRIPE_EVENT_AFTER_MS = 10 * 60_000;
/** How far back Stripe's list of PaymentIntents is read; a booking's PaymentIntent is paid within its hold, or late within hours. */
export const PAYMENT_LOOKBACK_MS = 24 * 3_600_000;
/** PaymentIntents younger than this are left to their webhooks, which are still on their way. */
const PAYMENT_SETTLE_MS = 2 * 60_000;
/** A calendar that confirmed a booking this long ago while the read model still shows it held lost its announcement. */
const CONFIRMED_LAG_MS = 5 * 60_000;
/** Wall time a run may spend, and the pages each pass may read in it. */
export const RECONCILE_BUDGET_MS = 25_000;
const EVENT_PAGE = 100;
const HELD_PAGE = 50;
const MAX_PAGES = 10;
const MAX_PAYMENT_PAGES = 20;
/** Bookings settled at once: each is a calendar call and a Stripe call or two. */
const CONCURRENCY = 8;

/** What settling one booking came to. */
export type Outcome = "confirmed" | "refunded" | "released" | "projected" | "surfaced" | "unchanged" | "unknown";

export interface ReconcileReport {
  stripeEvents: { requeued: number; closed: number; givenUp: number };
  heldBookings: number;
  paymentIntents: { listed: number; checked: number };
  outcomes: Partial<Record<Outcome, number>>;
  failures: number;
  /** False when the time budget or a page cap ended a pass early: the next run carries on. */
  complete: boolean;
}

interface Run {
  deps: Deps;
  now: number;
  deadline: number;
  report: ReconcileReport;
  seen: Set<string>;
}

/**
 * Finds every booking PaymentIntent whose Stripe state and ours disagree and drives it to its
 * end, as the webhook would have: the webhook path can lose an event for good (a dead-lettered
 * `payment_intent.succeeded` after an outage longer than the queue's retries, while Stripe stopped
 * redelivering once we answered 200). Three passes, each paged and bounded, none scanning Stripe:
 * 1. Stripe events recorded in Postgres and never applied go back to the queue (or are closed,
 *    when the consumer finished but its last write was lost; or left to a person after their replays);
 * 2. bookings the read model has shown held for more than 5 minutes are checked at their calendar
 *    and at Stripe (paid: confirmed, or refunded if the hold ended; failed: released; ended: the
 *    read model catches up);
 * 3. Stripe's list of the last day's PaymentIntents, for succeeded ones whose booking is not
 *    confirmed in the read model (a hold that expired while it was paid is refunded; a booking
 *    whose held event was lost is confirmed from the calendar).
 * Every step is the saga's own idempotent step, so running twice, or beside the webhook, converges.
 * `now` is the trigger's scheduled time.
 */
export async function reconcilePayments(
  deps: Deps,
  now: Date,
  budgetMs = RECONCILE_BUDGET_MS,
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    stripeEvents: { requeued: 0, closed: 0, givenUp: 0 },
    heldBookings: 0,
    paymentIntents: { listed: 0, checked: 0 },
    outcomes: {},
    failures: 0,
    complete: true,
  };
  const run: Run = { deps, now: now.getTime(), deadline: Date.now() + budgetMs, report, seen: new Set() };
  for (const [name, pass] of [
    ["stripe_events", requeueStripeEvents],
    ["held_bookings", reconcileHeldBookings],
    ["payment_intents", reconcileRecentPayments],
  ] as const) {
    try {
      await pass(run);
    } catch (err) {
      report.failures++;
      report.complete = false;
      log("error", "reconciliation pass failed", { pass: name, err: String(err).slice(0, 300) });
    }
  }
  return report;
}

/** Pass 1: recorded Stripe events the queue never got applied. */
async function requeueStripeEvents(run: Run): Promise<void> {
  const { deps, report } = run;
  let cursor: PendingStripeEvent | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    if (outOfTime(run)) return;
    const after: PendingStripeEvent | null = cursor;
    const rows: PendingStripeEvent[] = await withPg(deps.env, (pg) =>
      unprocessedStripeEvents(pg, new Date(run.now - STRIPE_EVENT_AFTER_MS), after, EVENT_PAGE),
    );
    if (rows.length === 0) return;
    cursor = rows.at(-1)!;
    const ids = rows.map((r) => r.id);
    const done = await doneEvents(deps.db, ids);
    const rounds = await deadLetterCounts(deps.db, ids);
    const closed = ids.filter((id) => done.has(id));
    if (closed.length) await withPg(deps.env, (pg) => markStripeEventsProcessed(pg, closed));
    const givenUp = rows.filter((r) => !done.has(r.id) && (rounds.get(r.id) ?? 0) > REPLAY_DELAYS_SECONDS.length);
    for (const r of givenUp)
      log("error", "stripe event given up after its replays: needs a person", { eventId: r.id, type: r.type });
    const requeue = rows.filter((r) => !done.has(r.id) && !givenUp.includes(r));
    if (requeue.length) {
      await deps.env.EVENTS.sendBatch(
        requeue.map((r) => ({ body: toQueueEvent(r.payload as Stripe.Event), contentType: "json" as const })),
      );
    }
    report.stripeEvents.closed += closed.length;
    report.stripeEvents.givenUp += givenUp.length;
    report.stripeEvents.requeued += requeue.length;
    if (rows.length < EVENT_PAGE) return;
  }
  report.complete = false;
}

/** Pass 2: bookings the read model still shows held, oldest first. */
async function reconcileHeldBookings(run: Run): Promise<void> {
  const { deps } = run;
  let cursor: HeldCursor | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    if (outOfTime(run)) return;
    const rows = await heldBookingsBefore(deps.db, new Date(run.now - HELD_AFTER_MS).toISOString(), cursor, HELD_PAGE);
    if (rows.length === 0) return;
    cursor = { createdAt: rows.at(-1)!.createdAt, id: rows.at(-1)!.id };
    await settleAll(run, rows, async (row) => {
      run.report.heldBookings++;
      const live = await deps.env.ROOM_CALENDAR.getByName(row.roomId).getBooking(row.id);
      const paymentIntentId = live?.paymentIntentId ?? row.paymentIntentId;
      const pi = paymentIntentId ? await findPaymentIntent(deps.env, paymentIntentId) : null;
      return settleBooking(
        run,
        { bookingId: row.id, roomId: row.roomId, landlordId: row.landlordId, paymentIntentId },
        pi,
        row,
      );
    });
    if (rows.length < HELD_PAGE) return;
  }
  run.report.complete = false;
}

/** Pass 3: the last day's succeeded booking PaymentIntents, newest first, whose booking is not settled in the read model. */
async function reconcileRecentPayments(run: Run): Promise<void> {
  const { deps, report } = run;
  const range = { from: seconds(run.now - PAYMENT_LOOKBACK_MS), to: seconds(run.now - PAYMENT_SETTLE_MS) };
  let after: string | undefined;
  for (let page = 0; page < MAX_PAYMENT_PAGES; page++) {
    if (outOfTime(run)) return;
    const { data, hasMore } = await paymentIntentsCreated(deps.env, range, after);
    report.paymentIntents.listed += data.length;
    const paid = data.filter(
      (pi) => pi.status === "succeeded" && bookingRefOf(pi) && !run.seen.has(pi.metadata.bookingId!),
    );
    const rows = await findBookings(
      deps.db,
      paid.map((pi) => pi.metadata.bookingId!),
    );
    const unsettled = paid.filter((pi) => {
      const row = rows.get(pi.metadata.bookingId!);
      const refunded = row !== undefined && row.status !== "held" && row.refundedAmount >= pi.amount_received;
      return row?.status !== "confirmed" && !refunded;
    });
    await settleAll(run, unsettled, (pi) => {
      report.paymentIntents.checked++;
      return settleBooking(run, bookingRefOf(pi)!, pi, rows.get(pi.metadata.bookingId!));
    });
    if (!hasMore || data.length === 0) return;
    after = data.at(-1)!.id;
  }
  report.complete = false;
}

/**
 * Drives one booking to the end its calendar (the authority on the hold) and Stripe (on the money)
 * say it should have, with the saga's own steps:
 * - still held: paid → confirmed (or, if its time ran out, expired and refunded in full: what
 *   confirmPaidBooking decides); payment failed or cancelled → released;
 * - confirmed at the calendar but not in the read model for minutes → the confirmation is driven
 *   again (desk, event, lease: each once);
 * - ended without ever being confirmed but paid → refunded in full, less what was refunded already
 *   (a late refund that failed at Stripe is left to the person it was announced to);
 * - ended while the read model still shows it held → the read model, desk and PaymentIntent catch up.
 * A booking neither the read model nor its calendar knows is left alone: its PaymentIntent may
 * belong to another deployment sharing the Stripe account.
 */
async function settleBooking(
  run: Run,
  ref: BookingRef,
  pi: Stripe.PaymentIntent | null,
  row: BookingRow | undefined,
): Promise<Outcome> {
  const { deps } = run;
  run.seen.add(ref.bookingId);
  const calendar = deps.env.ROOM_CALENDAR.getByName(ref.roomId);
  const hold = await calendar.getHold(ref.bookingId);
  if (!hold) return row ? "unchanged" : "unknown";
  const paid = pi?.status === "succeeded" ? pi : null;
  if (hold.status === "held") {
    if (paid) {
      await confirmPaidBooking(deps, ref, paid.amount_received);
      return (await calendar.getHold(ref.bookingId))?.status === "confirmed" ? "confirmed" : "refunded";
    }
    if (pi?.status === "canceled") await failBooking(deps, ref, "cancelled");
    else if (pi?.status === "requires_payment_method" && pi.last_payment_error)
      await failBooking(deps, ref, "payment_failed");
    else return "unchanged";
    return "released";
  }
  if (hold.status === "confirmed") {
    const lagging = row?.status !== "confirmed" && row?.status !== "cancelled";
    if (!lagging || !hold.confirmedAt || run.now - Date.parse(hold.confirmedAt) < CONFIRMED_LAG_MS) return "unchanged";
    await confirmPaidBooking(deps, ref, paid?.amount_received ?? 0);
    return "confirmed";
  }
  if (paid && !hold.confirmedAt) {
    const refunds = await refundsOf(deps.env, paid.id);
    if (refunds.some((r) => r.status === "failed" && r.metadata?.purpose === "late")) return "surfaced";
    const remaining = paid.amount_received - refunds.filter(isLive).reduce((sum, r) => sum + r.amount, 0);
    if (remaining > 0) {
      await confirmPaidBooking(deps, ref, remaining);
      return "refunded";
    }
  }
  if (row?.status !== "held") return "unchanged";
  if (hold.status === "expired") await compensateExpiredHold(deps, ref.bookingId);
  else if (!hold.confirmedAt) await failBooking(deps, ref, hold.status);
  await advanceBooking(deps.db, ref.bookingId, hold.status);
  return "projected";
}

/** A booking PaymentIntent's saga reference from its metadata; rent and anything else is not one. */
function bookingRefOf(pi: Stripe.PaymentIntent): BookingRef | null {
  const { bookingId, roomId, landlordId, kind } = pi.metadata ?? {};
  if (!bookingId || !roomId || !landlordId || kind === "rent") return null;
  return { bookingId, roomId, landlordId, paymentIntentId: pi.id };
}

/** Settles items a few at a time; one that fails is logged and counted, and the rest go on. */
async function settleAll<T>(run: Run, items: T[], settle: (item: T) => Promise<Outcome>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        const outcome = await settle(item);
        run.report.outcomes[outcome] = (run.report.outcomes[outcome] ?? 0) + 1;
        if (outcome !== "unchanged" && outcome !== "unknown")
          log("warn", "reconciled", { outcome, item: describe(item) });
      } catch (err) {
        run.report.failures++;
        log("error", "reconciliation failed for one booking", { item: describe(item), err: String(err).slice(0, 300) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

function describe(item: unknown): string {
  const { id, metadata } = item as { id?: string; metadata?: { bookingId?: string } };
  return metadata?.bookingId ? `${metadata.bookingId} (${id})` : String(id);
}

function outOfTime(run: Run): boolean {
  if (Date.now() < run.deadline) return false;
  run.report.complete = false;
  return true;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
