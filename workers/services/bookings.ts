import type { HoldView } from "../../durable-objects/room-calendar";
import type { BookingView, CreateBookingInput } from "../../schema/api/bookings";
import type { DomainEvent } from "../../schema/events";
import type { Deps } from "../deps";
import { advanceBooking, findBooking, insertBooking, listBookings as queryBookings, type BookingRow } from "../data/bookings";
import { findRoom } from "../data/catalog";
import type { D1Db } from "../data/db";
import { outboxInsert } from "../data/outbox";
import { toPage } from "../domain/cursor";
import { startOfDayIn, todayIn } from "../domain/dates";
import { amountDue, refundOnCancel } from "../domain/pricing";
import type { AuthUser } from "../domain/tokens";
import { announce, newEvent, publish } from "../events/publish";
import { cursorParam } from "../http/cursor";
import { AppError } from "../http/errors";
import { log } from "../http/log";
import { enforceRateLimit } from "../http/rate-limit";
import { cancelPaymentIntent, createBookingPayment, refundPayment } from "../payments/booking-payments";
import { refundedFor } from "../payments/refunds";

/** A desk reservation outlives its hold by this much, as the guard against a saga that died mid-way. */
const RESERVATION_GRACE_MS = 5 * 60_000;

/** Who a booking's money and rooms belong to: what the saga needs to reach its objects. */
export interface BookingRef { bookingId: string; roomId: string; landlordId: string; paymentIntentId: string | null }

/**
 * The booking saga's first half: reserve a contract on the landlord's desk, hold the days on the
 * room's calendar, open a PaymentIntent, record the booking. Each failure undoes the steps before
 * it; every step is idempotent on the booking id, so a retried request repeats, never doubles.
 */
export async function createBooking(deps: Deps, tenant: AuthUser, input: CreateBookingInput, bookingId: string) {
  const { env, db } = deps;
  await enforceRateLimit(env.BOOKING_LIMITER, [`tenant:${tenant.id}`]);
  const found = await findRoom(db, input.roomId);
  if (!found || found.room.status !== "active" || found.property.status !== "active") throw new AppError("not_found", "No such room.");
  const { room, property } = found;
  const amount = amountDue(room, input);
  const holdMs = Number(env.HOLD_MINUTES) * 60_000;
  const desk = env.LANDLORD_DESK.getByName(property.ownerId);
  const calendar = env.ROOM_CALENDAR.getByName(room.id);

  const reserved = await desk.reserve(bookingId, Date.now() + holdMs + RESERVATION_GRACE_MS);
  if (!reserved.ok && reserved.code === "booking_ended") throw new AppError("room_unavailable", "This booking already ended; start a new one.");
  if (!reserved.ok) throw new AppError("landlord_at_capacity", "The landlord cannot take more contracts right now.");

  // From here on every failure undoes what came before: the calendar (release of a hold that was
  // never written is a no-op), the desk, and the PaymentIntent once it exists.
  let paymentIntentId: string | null = null;
  const undo = async () => {
    // A booking an earlier attempt under the same key already recorded is not this attempt's to undo.
    if (await findBooking(db, bookingId)) return;
    await calendar.release(bookingId, "cancelled", { onlyHeld: true });
    await desk.release(bookingId);
    await cancelPaymentIntent(env, bookingId, paymentIntentId);
  };
  let recorded: { row: BookingRow; event: DomainEvent; clientSecret: string };
  try {
    const held = await calendar.hold({
      bookingId, tenantId: tenant.id, startDate: input.startDate, endDate: input.endDate, units: input.units,
      today: todayIn(property.timezone), holdMs, room: { capacity: room.capacity, minNights: room.minNights, maxNights: room.maxNights },
    });
    if (!held.ok) {
      await desk.release(bookingId);
      if (held.code === "invalid_range") throw new AppError("validation_failed", held.detail, { errors: [{ path: "startDate", message: held.detail }] });
      throw new AppError("room_unavailable", held.detail);
    }
    const payment = await createBookingPayment(env, { bookingId, roomId: room.id, landlordId: property.ownerId, tenantId: tenant.id, amount, currency: room.currency })
      .catch((err: unknown) => { throw new AppError("payment_provider_error", "The payment could not be started; nothing was booked.", { cause: err }); });
    paymentIntentId = payment.id;

    const now = new Date().toISOString();
    const row: BookingRow = {
      id: bookingId, roomId: room.id, propertyId: property.id, tenantId: tenant.id, landlordId: property.ownerId,
      startDate: input.startDate, endDate: input.endDate, units: input.units, status: "held", amountDue: amount,
      rentAmount: room.priceAmount * input.units, depositAmount: room.depositAmount,
      currency: room.currency, refundedAmount: 0, paymentIntentId: payment.id, holdExpiresAt: held.hold.expiresAt,
      createdAt: now, updatedAt: now,
    };
    const event = newEvent("booking.held", { bookingId });
    // The commit point: once this batch is written the booking exists and nothing undoes it.
    await db.batch([insertBooking(db, row), outboxInsert(db, event)]);
    recorded = { row, event, clientSecret: payment.clientSecret };
  } catch (err) {
    if (err instanceof AppError && err.status < 500) throw err;
    // If undoing fails too, the hold expires by alarm and the reservation by its deadline.
    await undo().catch((undoErr: unknown) => log("error", "booking compensation failed", { bookingId, err: String(undoErr) }));
    throw err;
  }
  await publish(env, db, [recorded.event]);
  const stored = (await findBooking(db, bookingId)) ?? recorded.row;
  return { ...toBookingView(stored), payment: { paymentIntentId: recorded.row.paymentIntentId!, clientSecret: recorded.clientSecret } };
}

/** A booking its tenant or its room's landlord may see; 404 for anyone else. */
export async function getBooking(deps: Deps, viewer: AuthUser, id: string): Promise<BookingView> {
  return toBookingView(await visibleBooking(deps.db, viewer, id));
}

export async function listBookings(deps: Deps, viewer: AuthUser, q: { limit: number; cursor?: string }) {
  const rows = await queryBookings(deps.db, viewer.id, viewer.role === "landlord" ? "landlord" : "tenant", cursorParam(q.cursor), q.limit);
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
  const booking = await visibleBooking(db, viewer, id);
  const found = await findRoom(db, booking.roomId);
  const today = todayIn(found?.property.timezone ?? "UTC");
  const startedBy = found?.room.rentalMode === "monthly" ? today : undefined;
  const { previous, hold, refused } = await env.ROOM_CALENDAR.getByName(booking.roomId).release(id, "cancelled", { startedBy });
  if (refused) throw new AppError("lease_started", "This tenancy has begun: give notice on its lease instead.");
  const resuming = previous === "cancelled" && booking.status !== "cancelled";
  if (previous !== "held" && previous !== "confirmed" && !resuming) return toBookingView((await findBooking(db, id)) ?? booking);
  let refunded = 0;
  if (previous === "confirmed" || hold?.confirmedAt) {
    // Resuming, the refund an earlier attempt already made stands, whatever today's policy would say.
    const already = resuming && booking.paymentIntentId ? await refundedFor(env, booking.paymentIntentId, { bookingId: id, purpose: "cancel" }) : null;
    const byLandlord = viewer.id === booking.landlordId;
    refunded = already ?? refundOnCancel(booking.amountDue, { freeCancellationDays: found?.room.freeCancellationDays ?? 0 }, { today, startDate: booking.startDate, byLandlord });
    if (already === null) await refundPayment(env, booking.id, booking.paymentIntentId, refunded, "cancel");
  } else {
    await cancelPaymentIntent(env, booking.id, booking.paymentIntentId);
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
    const found = await findRoom(deps.db, ref.roomId);
    const endsAt = startOfDayIn(result.hold.endDate, found?.property.timezone ?? "UTC");
    const activated = await deps.env.LANDLORD_DESK.getByName(ref.landlordId).activate(ref.bookingId, endsAt);
    // Refused only when a cancellation released the booking meanwhile: its own event tells the story.
    if (activated.ok) await announce(deps.env, deps.db, [newEvent("booking.confirmed", { bookingId: ref.bookingId })]);
    return;
  }
  if (result.hold?.confirmedAt) return;
  if (amountReceived > 0) await refundPayment(deps.env, ref.bookingId, ref.paymentIntentId, amountReceived, "late");
  await announce(deps.env, deps.db, [newEvent(`booking.${endedAs(result.hold)}`, { bookingId: ref.bookingId, refundedAmount: amountReceived })]);
}

/**
 * Payment failed or was cancelled: release a hold that is still only held, return the contract,
 * cancel the PaymentIntent. The event goes out when this call ended the hold, or when an earlier
 * attempt ended it but died before telling the read model.
 */
export async function failBooking(deps: Deps, ref: BookingRef, reason: "payment_failed" | "cancelled"): Promise<void> {
  const { previous, hold } = await deps.env.ROOM_CALENDAR.getByName(ref.roomId).release(ref.bookingId, reason, { onlyHeld: true });
  if (!hold || previous === "confirmed") return;
  await deps.env.LANDLORD_DESK.getByName(ref.landlordId).release(ref.bookingId);
  await cancelPaymentIntent(deps.env, ref.bookingId, ref.paymentIntentId);
  const status = endedAs(hold);
  // An expiry is announced by the calendar's own outbox.
  const unannounced = previous === "held" || (status !== "expired" && (await findBooking(deps.db, ref.bookingId))?.status === "held");
  if (unannounced) await announce(deps.env, deps.db, [newEvent(`booking.${status}`, { bookingId: ref.bookingId })]);
}

/** The calendar expired a hold: return the landlord's contract and cancel the PaymentIntent. */
export async function compensateExpiredHold(deps: Deps, bookingId: string): Promise<void> {
  const booking = await findBooking(deps.db, bookingId);
  if (!booking) return; // the saga died before recording it: the desk reservation lapses on its own
  await deps.env.LANDLORD_DESK.getByName(booking.landlordId).release(bookingId);
  await cancelPaymentIntent(deps.env, bookingId, booking.paymentIntentId);
}

/** The end state a calendar hold came to; a booking the calendar never held counts as expired. */
function endedAs(hold: HoldView | null): "expired" | "cancelled" | "payment_failed" {
  return hold && hold.status !== "held" && hold.status !== "confirmed" ? hold.status : "expired";
}

async function visibleBooking(db: D1Db, viewer: AuthUser, id: string): Promise<BookingRow> {
  const booking = await findBooking(db, id);
  if (!booking || (booking.tenantId !== viewer.id && booking.landlordId !== viewer.id)) throw new AppError("not_found", "No such booking.");
  return booking;
}

export function toBookingView(b: BookingRow): BookingView {
  return {
    id: b.id, roomId: b.roomId, propertyId: b.propertyId, tenantId: b.tenantId, landlordId: b.landlordId,
    startDate: b.startDate, endDate: b.endDate, units: b.units, status: b.status, holdExpiresAt: b.holdExpiresAt,
    amountDue: { amount: b.amountDue, currency: b.currency }, refunded: { amount: b.refundedAmount, currency: b.currency },
    createdAt: b.createdAt, updatedAt: b.updatedAt,
  };
}
