import { currentTraceId } from "../trace";
import type {
  BookRefusal,
  BookRequest,
  BookResult,
  CalendarBooking,
  HoldView,
} from "../../durable-objects/room-calendar";
import type { BookingView, CreateBookingInput } from "../../schema/api/bookings";
import type { BookingSnapshot } from "../../schema/events";
import type { Deps } from "../deps";
import {
  advanceBooking,
  countLiveHolds,
  findBooking,
  insertBooking,
  listBookings as queryBookings,
  paymentIntentUpdate,
  setPaymentIntent,
  type BookingRow,
} from "../data/bookings";
import { findRoom } from "../data/catalog";
import type { D1Db } from "../data/d1";
import { suspendedAmong } from "../data/users";
import { toPage } from "../domain/cursor";
import { todayIn } from "../domain/dates";
import { roomOfBooking } from "../domain/ids";
import { refundOnCancel } from "../domain/pricing";
import type { AuthUser } from "../domain/tokens";
import { AppError, type ErrorCode } from "../errors";
import { requireVerifiedEmail } from "./account";
import { announce, newEvent } from "../outbox";
import { cancelPaymentIntent, createBookingPayment, refundPayment } from "../payments/booking-payments";
import { refundedFor } from "../payments/refunds";
import { syncRoomTerms } from "./room-terms";

/** Who a booking's money and rooms belong to: what the saga needs to reach its objects. */
export interface BookingRef {
  bookingId: string;
  roomId: string;
  landlordId: string;
  paymentIntentId: string | null;
}

/** What the tenant is told about paying for a booking: a client secret once the PaymentIntent exists. */
export type PaymentView = {
  status: "preparing" | "requires_payment" | "paid" | "closed";
  paymentIntentId?: string;
  clientSecret?: string;
};

const REFUSALS: Record<Exclude<BookRefusal, "terms_missing">, ErrorCode> = {
  not_found: "not_found",
  room_unavailable: "room_unavailable",
  invalid_range: "validation_failed",
  landlord_at_capacity: "landlord_at_capacity",
  idempotency_key_reused: "idempotency_key_reused",
  idempotency_in_progress: "idempotency_in_progress",
};

/**
 * The booking saga's first half, in one call to the room's calendar: it checks the key, the terms
 * and the free units and holds the stay (reserving at the landlord's desk only when they cap
 * contracts). The PaymentIntent is opened off the request path from the calendar's outbox, or on
 * demand by `bookingPayment`. The rate limiter runs beside the calendar call; a tenant over it gets
 * the hold taken back. Only a calendar that never received its room's terms costs more (a D1 read).
 * `offer`: a booking made from an accepted offer, at its price, taking over its desk reservation.
 */
export async function createBooking(
  deps: Deps,
  tenant: AuthUser,
  input: CreateBookingInput,
  idempotency: { key: string; requestHash: string },
  offer?: BookRequest["offer"],
) {
  const { env } = deps;
  await requireVerifiedEmail(deps, tenant, "book and pay");
  // Both run beside the calendar call; a tenant over either limit gets the new hold taken back.
  const limited = env.BOOKING_LIMITER.limit({ key: `tenant:${tenant.id}` });
  const liveHolds = countLiveHolds(deps.db, tenant.id);
  const calendar = env.ROOM_CALENDAR.getByName(input.roomId);
  const request: BookRequest = {
    ...idempotency,
    tenantId: tenant.id,
    startDate: input.startDate,
    endDate: input.endDate,
    units: input.units,
    holdMs: holdMinutes(env) * 60_000,
    maxHoldNights: Number(env.MAX_HOLD_NIGHTS) || undefined,
    ...(offer && { offer }),
    traceId: currentTraceId(),
  };
  let result = await calendar.book(request);
  if (!result.ok && result.code === "terms_missing") {
    await syncRoomTerms(deps, input.roomId);
    result = await calendar.book(request);
  }
  if (!(await limited).success) {
    await takeBack(deps, input.roomId, result, tenant, idempotency.key);
    throw new AppError("rate_limited", "Too many attempts; try again later.", { headers: { "retry-after": "60" } });
  }
  const maxHolds = Number(env.MAX_LIVE_HOLDS) || 3;
  if (result.ok && !result.replayed && (await liveHolds) >= maxHolds) {
    await takeBack(deps, input.roomId, result, tenant, idempotency.key);
    throw new AppError(
      "too_many_holds",
      `You already have ${maxHolds} bookings waiting for payment; pay or cancel one first.`,
    );
  }
  if (!result.ok) throw refusal(result.code as Exclude<BookRefusal, "terms_missing">, result.detail);
  return { view: { ...calendarView(result.booking), payment: paymentOf(result.booking) }, replayed: result.replayed };
}

/**
 * Undoes what a booking attempt did at the calendar when the worker refuses it after all: a new
 * hold is taken back (units, key, desk reservation); a refusal kept under the key is forgotten.
 */
async function takeBack(deps: Deps, roomId: string, result: BookResult, tenant: AuthUser, key: string): Promise<void> {
  const calendar = deps.env.ROOM_CALENDAR.getByName(roomId);
  if (result.ok && !result.replayed) {
    await calendar.retract(result.booking.id, tenant.id, key);
    await deps.env.LANDLORD_DESK.getByName(result.booking.landlordId).release(result.booking.id);
  } else if (!result.ok) await calendar.forgetRefusal(tenant.id, key);
}

/**
 * The PaymentIntent of a booking for its tenant: the client secret once it exists. Asked before the
 * outbox got to it, it is opened now (same idempotency key, so the outbox's attempt finds the same one).
 */
export async function bookingPayment(deps: Deps, viewer: AuthUser, id: string): Promise<PaymentView> {
  await requireVerifiedEmail(deps, viewer, "pay");
  const booking = await calendarBooking(deps, id);
  if (!booking || booking.tenantId !== viewer.id) throw new AppError("not_found", "No such booking.");
  if (booking.status === "held" && !booking.paymentIntentId)
    return paymentOf((await openPayment(deps, booking)) ?? booking);
  return paymentOf(booking);
}

/**
 * Opens the PaymentIntent of a held booking and records it on the calendar. A hold that ended
 * meanwhile gets its PaymentIntent cancelled at once. Returns the booking as the calendar has it then.
 */
export async function openPayment(deps: Deps, booking: BookingSnapshot): Promise<CalendarBooking | null> {
  const calendar = deps.env.ROOM_CALENDAR.getByName(booking.roomId);
  const current = await calendar.getBooking(booking.id);
  if (current?.paymentIntentId) {
    await setPaymentIntent(deps.db, booking.id, current.paymentIntentId);
    return current;
  }
  if (current && current.status !== "held") return current;
  const opened = await attachNewPayment(deps, booking).catch((err: unknown) => {
    throw new AppError("payment_provider_error", "The payment could not be started yet; ask again shortly.", {
      cause: err,
    });
  });
  await setPaymentIntent(deps.db, booking.id, opened.paymentIntentId);
  return opened.booking;
}

function paymentOf(b: CalendarBooking): PaymentView {
  if (b.status === "confirmed")
    return { status: "paid", ...(b.paymentIntentId && { paymentIntentId: b.paymentIntentId }) };
  if (b.status !== "held") return { status: "closed" };
  if (!b.paymentIntentId || !b.clientSecret) return { status: "preparing" };
  return { status: "requires_payment", paymentIntentId: b.paymentIntentId, clientSecret: b.clientSecret };
}

function refusal(code: Exclude<BookRefusal, "terms_missing">, detail: string): AppError {
  if (code === "invalid_range")
    return new AppError("validation_failed", detail, { errors: [{ path: "startDate", message: detail }] });
  if (code === "idempotency_in_progress")
    return new AppError(REFUSALS[code], detail, { headers: { "retry-after": "1" } });
  return new AppError(REFUSALS[code], detail);
}

/** The booking at its room's calendar, for ids that name their room (newBookingId); null otherwise. */
async function atCalendar(env: Env, id: string): Promise<CalendarBooking | null> {
  const roomId = roomOfBooking(id);
  return roomId ? env.ROOM_CALENDAR.getByName(roomId).getBooking(id) : null;
}

/** The booking as its calendar knows it, or as the read model has it for ids made before bookings named their room. */
async function calendarBooking(deps: Deps, id: string): Promise<CalendarBooking | null> {
  if (roomOfBooking(id)) return atCalendar(deps.env, id);
  const row = await findBooking(deps.db, id);
  if (!row) return null;
  return {
    ...row,
    confirmedAt: null,
    clientSecret: null,
    rentAmount: row.rentAmount ?? 0,
    depositAmount: row.depositAmount ?? 0,
  };
}

function holdMinutes(env: Env): number {
  return Number(env.HOLD_MINUTES) || 15;
}

/** A booking its tenant or its room's landlord may see; 404 for anyone else. */
export async function getBooking(deps: Deps, viewer: AuthUser, id: string): Promise<BookingView> {
  return toBookingView(await visibleBooking(deps.db, viewer, id, deps.env));
}

export async function listBookings(deps: Deps, viewer: AuthUser, q: { limit: number; cursor: string | null }) {
  const rows = await queryBookings(
    deps.db,
    viewer.id,
    viewer.role === "landlord" ? "landlord" : "tenant",
    q.cursor,
    q.limit,
  );
  const page = toPage(rows, q.limit);
  return { items: page.items.map(toBookingView), nextCursor: page.nextCursor };
}

/**
 * Cancels by the tenant or the landlord. The calendar says what the booking really was: a hold
 * is released and its PaymentIntent cancelled; a confirmed booking is refunded per the room's
 * policy (in full when the landlord cancels). A monthly tenancy that has begun ends by notice on
 * its lease instead. Cancelling again answers the same booking, and finishes a cancellation that
 * an earlier attempt left half done (every step after the calendar is idempotent).
 */
export async function cancelBooking(deps: Deps, viewer: AuthUser, id: string): Promise<BookingView> {
  const { env, db } = deps;
  await recordFromCalendar(deps, id, viewer);
  const booking = await visibleBooking(db, viewer, id);
  const found = await findRoom(db, booking.roomId);
  const today = todayIn(found?.property.timezone ?? "UTC");
  const startedBy = found?.room.rentalMode === "monthly" ? today : undefined;
  const { previous, hold, refused } = await env.ROOM_CALENDAR.getByName(booking.roomId).release(id, "cancelled", {
    startedBy,
  });
  if (refused) throw new AppError("lease_started", "This tenancy has begun: give notice on its lease instead.");
  const resuming = previous === "cancelled" && booking.status !== "cancelled";
  if (previous !== "held" && previous !== "confirmed" && !resuming)
    return toBookingView((await findBooking(db, id)) ?? booking);
  let refunded = 0;
  if (previous === "confirmed" || hold?.confirmedAt) {
    // Resuming, the refund an earlier attempt already made stands, whatever today's policy would say.
    const already =
      resuming && booking.paymentIntentId
        ? await refundedFor(env, booking.paymentIntentId, { bookingId: id, purpose: "cancel" })
        : null;
    const byLandlord = viewer.id === booking.landlordId;
    refunded =
      already ??
      refundOnCancel(
        booking.amountDue,
        { freeCancellationDays: found?.room.freeCancellationDays ?? 0 },
        { today, startDate: booking.startDate, byLandlord },
      );
    if (already === null) await refundPayment(env, booking.id, booking.paymentIntentId, refunded, "cancel");
  } else {
    await cancelPaymentIntent(
      env,
      booking.id,
      booking.paymentIntentId ?? (await calendarBooking(deps, id))?.paymentIntentId ?? null,
    );
  }
  await env.LANDLORD_DESK.getByName(booking.landlordId).release(id);
  await announce(deps.env, deps.db, [newEvent("booking.cancelled", { bookingId: id, refundedAmount: refunded })]);
  await advanceBooking(db, id, "cancelled", refunded);
  return toBookingView((await findBooking(db, id))!);
}

/**
 * Payment succeeded: confirm the hold and make the landlord's contract active until the stay ends.
 * A payment for a hold that ended before it was ever confirmed is refunded in full, never silently
 * kept; a booking that was confirmed and then cancelled was already refunded by its policy.
 */
export async function confirmPaidBooking(deps: Deps, ref: BookingRef, amountReceived: number): Promise<void> {
  const result = await deps.env.ROOM_CALENDAR.getByName(ref.roomId).confirm(ref.bookingId);
  if (result.ok) {
    const endsAt = await deps.env.ROOM_CALENDAR.getByName(ref.roomId).stayEndsAt(ref.bookingId);
    const activated = await deps.env.LANDLORD_DESK.getByName(ref.landlordId).activate(ref.bookingId, endsAt);
    // Refused only when a cancellation released the booking meanwhile: its own event tells the story.
    if (activated.ok) await announce(deps.env, deps.db, [newEvent("booking.confirmed", { bookingId: ref.bookingId })]);
    return;
  }
  if (result.hold?.confirmedAt) return;
  if (amountReceived > 0) await refundPayment(deps.env, ref.bookingId, ref.paymentIntentId, amountReceived, "late");
  await announce(deps.env, deps.db, [
    newEvent(`booking.${endedAs(result.hold)}`, { bookingId: ref.bookingId, refundedAmount: amountReceived }),
  ]);
}

/**
 * Payment failed or was cancelled: release a hold that is still only held, return the contract,
 * cancel the PaymentIntent. The event goes out when this call ended the hold, or when an earlier
 * attempt ended it but died before telling the read model.
 */
export async function failBooking(deps: Deps, ref: BookingRef, reason: "payment_failed" | "cancelled"): Promise<void> {
  const { previous, hold } = await deps.env.ROOM_CALENDAR.getByName(ref.roomId).release(ref.bookingId, reason, {
    onlyHeld: true,
  });
  if (!hold || previous === "confirmed") return;
  await deps.env.LANDLORD_DESK.getByName(ref.landlordId).release(ref.bookingId);
  await cancelPaymentIntent(deps.env, ref.bookingId, ref.paymentIntentId);
  const status = endedAs(hold);
  // An expiry is announced by the calendar's own outbox.
  const unannounced =
    previous === "held" || (status !== "expired" && (await findBooking(deps.db, ref.bookingId))?.status === "held");
  if (unannounced) await announce(deps.env, deps.db, [newEvent(`booking.${status}`, { bookingId: ref.bookingId })]);
}

/** The calendar expired a hold: return the landlord's contract and cancel the PaymentIntent. */
export async function compensateExpiredHold(deps: Deps, bookingId: string, snapshot?: BookingSnapshot): Promise<void> {
  const booking = snapshot ?? (await findBooking(deps.db, bookingId));
  if (!booking) return; // the saga died before recording it: the desk reservation lapses on its own
  await deps.env.LANDLORD_DESK.getByName(booking.landlordId).release(bookingId);
  const paymentIntentId =
    (await calendarBooking(deps, bookingId))?.paymentIntentId ??
    ("paymentIntentId" in booking ? booking.paymentIntentId : null);
  await cancelPaymentIntent(deps.env, bookingId, paymentIntentId);
}

/**
 * New holds, announced by their calendars' outboxes in one queue batch: written into the read model
 * in one D1 batch, then each given its PaymentIntent (in parallel; Stripe's idempotency key makes a
 * repeat, or a tenant who asked first, get the same one), recorded on the calendar and in one more
 * D1 batch. Every step is idempotent, so a redelivered batch converges. Returns the ids that failed.
 */
export async function recordHeldBookings(deps: Deps, snapshots: BookingSnapshot[]): Promise<Set<string>> {
  const { db } = deps;
  const [first, ...rest] = snapshots.map((b) => insertBooking(db, rowOf(b)));
  if (!first) return new Set();
  await db.batch([first, ...rest]);
  // A hold placed just before its tenant's or landlord's suspension reaches the read model after it:
  // it is released here instead of being offered a payment.
  const barred = await suspendedAmong(db, [...new Set(snapshots.flatMap((b) => [b.tenantId, b.landlordId]))]);
  const isBarred = (b: BookingSnapshot) => barred.has(b.tenantId) || barred.has(b.landlordId);
  const ended = snapshots.filter(isBarred);
  const open = snapshots.filter((b) => !isBarred(b));
  const released = await Promise.allSettled(
    ended.map((b) =>
      failBooking(
        deps,
        { bookingId: b.id, roomId: b.roomId, landlordId: b.landlordId, paymentIntentId: null },
        "cancelled",
      ),
    ),
  );
  const outcomes = await Promise.allSettled(open.map((b) => attachNewPayment(deps, b)));
  const failed = new Set(
    [
      ...open.filter((_, i) => outcomes[i]!.status === "rejected"),
      ...ended.filter((_, i) => released[i]!.status === "rejected"),
    ].map((b) => b.id),
  );
  const updates = outcomes.flatMap((o, i) =>
    o.status === "fulfilled" ? [paymentIntentUpdate(db, open[i]!.id, o.value.paymentIntentId)] : [],
  );
  const [u, ...us] = updates;
  if (u) await db.batch([u, ...us]);
  return failed;
}

/** Opens a hold's PaymentIntent and records it on the calendar; a hold that ended meanwhile gets it cancelled. */
async function attachNewPayment(
  deps: Deps,
  b: BookingSnapshot,
): Promise<{ paymentIntentId: string; booking: CalendarBooking | null }> {
  const payment = await createBookingPayment(deps.env, {
    bookingId: b.id,
    roomId: b.roomId,
    landlordId: b.landlordId,
    tenantId: b.tenantId,
    amount: b.amountDue,
    currency: b.currency,
  });
  const attached = await deps.env.ROOM_CALENDAR.getByName(b.roomId).attachPayment(b.id, {
    paymentIntentId: payment.id,
    clientSecret: payment.clientSecret,
  });
  if (!attached.attached) await cancelPaymentIntent(deps.env, b.id, payment.id);
  return { paymentIntentId: payment.id, booking: attached.booking };
}

/** The end state a calendar hold came to; a booking the calendar never held counts as expired. */
function endedAs(hold: HoldView | null): "expired" | "cancelled" | "payment_failed" {
  return hold && hold.status !== "held" && hold.status !== "confirmed" ? hold.status : "expired";
}

/**
 * A booking its tenant or its room's landlord may see, from the read model, or from the room's
 * calendar while the read model has not caught up with a new hold (shown as held, as the read model
 * will first have it); 404 for anyone else.
 */
export async function visibleBooking(db: D1Db, viewer: AuthUser, id: string, env?: Env): Promise<BookingRow> {
  let booking = await findBooking(db, id);
  if (!booking && env) {
    const held = await atCalendar(env, id);
    // As the read model will first show it: statuses move when the saga's events are applied.
    if (held) booking = rowOf({ ...held, status: "held" });
  }
  if (!booking || (booking.tenantId !== viewer.id && booking.landlordId !== viewer.id))
    throw new AppError("not_found", "No such booking.");
  return booking;
}

/**
 * Writes a new hold into the read model ahead of its held event (a cancel, or a later event of its
 * saga that the queue delivered first, needs the row); as the held event would, it starts held.
 * A no-op when the row exists. With `viewer`, only for the booking's own tenant or landlord.
 */
export async function recordFromCalendar(deps: Deps, id: string, viewer?: AuthUser): Promise<void> {
  if (await findBooking(deps.db, id)) return;
  const held = await atCalendar(deps.env, id);
  if (!held || (viewer && held.tenantId !== viewer.id && held.landlordId !== viewer.id)) return;
  await insertBooking(deps.db, rowOf({ ...held, status: "held" }));
}

/** The read-model row of a booking the calendar holds. */
export function rowOf(b: CalendarBooking | (BookingSnapshot & { status?: BookingRow["status"] })): BookingRow {
  const live = "paymentIntentId" in b ? b : null;
  return {
    id: b.id,
    roomId: b.roomId,
    propertyId: b.propertyId,
    tenantId: b.tenantId,
    landlordId: b.landlordId,
    startDate: b.startDate,
    endDate: b.endDate,
    units: b.units,
    status: b.status ?? "held",
    amountDue: b.amountDue,
    rentAmount: b.rentAmount,
    depositAmount: b.depositAmount,
    currency: b.currency,
    refundedAmount: 0,
    paymentIntentId: live?.paymentIntentId ?? null,
    holdExpiresAt: b.holdExpiresAt,
    createdAt: b.createdAt,
    updatedAt: live?.updatedAt ?? b.createdAt,
  };
}

function calendarView(b: CalendarBooking): BookingView {
  return toBookingView(rowOf(b));
}

export function toBookingView(b: BookingRow): BookingView {
  return {
    id: b.id,
    roomId: b.roomId,
    propertyId: b.propertyId,
    tenantId: b.tenantId,
    landlordId: b.landlordId,
    startDate: b.startDate,
    endDate: b.endDate,
    units: b.units,
    status: b.status,
    holdExpiresAt: b.holdExpiresAt,
    amountDue: { amount: b.amountDue, currency: b.currency },
    refunded: { amount: b.refundedAmount, currency: b.currency },
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}
