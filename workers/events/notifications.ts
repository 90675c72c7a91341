import type { BookingSnapshot, EventOf } from "../../schema/events";
import { findBooking } from "../data/bookings";
import { findProperty, findRoom } from "../data/catalog";
import type { D1Db } from "../data/d1";
import { findLease } from "../data/leases";
import { recipients } from "../data/notifications";
import { withPg } from "../data/pg";
import { notify, type Notice, type NoticeContext } from "../services/notifications";

/** Who is told of each event, and what. Each is run once per event by the consumer's claim; `notify` makes a retry harmless. */

type BookingNoticeType =
  "booking.held" | "booking.confirmed" | "booking.cancelled" | "booking.expired" | "booking.payment_failed";

/** Booking notices: the tenant of every step; the landlord when a booking is confirmed or cancelled. */
export async function noticeBooking(event: EventOf<BookingNoticeType>, env: Env, db: D1Db): Promise<void> {
  const booking = event.data.booking ?? (await bookingFacts(db, event.data.bookingId));
  if (!booking) return; // never held, so nobody waits to hear of it
  const property = await propertyFacts(db, booking.propertyId);
  const data = { bookingId: booking.id, roomId: booking.roomId, propertyId: booking.propertyId };
  const amount = { minor: event.data.refundedAmount ?? booking.amountDue, currency: booking.currency };
  const context: NoticeContext = { property, amount, day: booking.startDate, until: booking.holdExpiresAt };
  const tenant: Notice = { userId: booking.tenantId, kind: event.type, data, context };
  const landlordToo = event.type === "booking.confirmed" || event.type === "booking.cancelled";
  await notify({ env, db }, event.id, [tenant, ...(landlordToo ? [{ ...tenant, userId: booking.landlordId }] : [])]);
}

type InvoiceNoticeType = "invoice.issued" | "invoice.reminder" | "invoice.late_fee" | "invoice.charge_failed";

/** Rent notices go to the tenant; the due date is the invoice's. */
export async function noticeInvoice(event: EventOf<InvoiceNoticeType>, env: Env, db: D1Db): Promise<void> {
  const found = await leaseFacts(env, db, event.data.leaseId);
  if (!found) return;
  const data = { invoiceId: event.data.invoiceId, leaseId: event.data.leaseId };
  await notify({ env, db }, event.id, [
    {
      userId: found.tenantId,
      kind: event.type,
      data,
      context: {
        property: found.property,
        amount: { minor: event.data.amount, currency: event.data.currency },
        day: event.data.dueDate,
      },
    },
  ]);
}

/** A paid rent invoice: the tenant's receipt. Called by the Stripe consumer once the payment is in the books. */
export async function noticePaymentReceipt(
  env: Env,
  db: D1Db,
  eventId: string,
  payment: { leaseId: string; invoiceId: string; amount: number; currency: string },
): Promise<void> {
  const found = await leaseFacts(env, db, payment.leaseId);
  if (!found) return;
  await notify({ env, db }, eventId, [
    {
      userId: found.tenantId,
      kind: "payment.receipt",
      data: { invoiceId: payment.invoiceId, leaseId: payment.leaseId },
      context: { property: found.property, amount: { minor: payment.amount, currency: payment.currency } },
    },
  ]);
}

export async function noticeLeaseEnded(event: EventOf<"lease.ended">, env: Env, db: D1Db): Promise<void> {
  const found = await leaseFacts(env, db, event.data.leaseId);
  if (!found) return;
  const notice = (userId: string): Notice => ({
    userId,
    kind: "lease.ended",
    data: { leaseId: event.data.leaseId },
    context: { property: found.property, day: found.endDate ?? undefined },
  });
  await notify({ env, db }, event.id, [notice(found.tenantId), notice(found.landlordId)]);
}

/** A settled deposit: the tenant hears what came back. */
export async function noticeDepositSettled(event: EventOf<"deposit.settled">, env: Env, db: D1Db): Promise<void> {
  const found = await leaseFacts(env, db, event.data.leaseId);
  if (!found) return;
  await notify({ env, db }, event.id, [
    {
      userId: found.tenantId,
      kind: "deposit.settled",
      data: { leaseId: event.data.leaseId },
      context: { property: found.property, amount: { minor: event.data.returned, currency: event.data.currency } },
    },
  ]);
}

/** A refund that could not be paid out: the landlord must return the money another way, and the tenant waits for it. */
export async function noticeRefundFailed(event: EventOf<"refund.failed">, env: Env, db: D1Db): Promise<void> {
  const { leaseId, bookingId, amount, currency } = event.data;
  const parties = leaseId ? await leaseFacts(env, db, leaseId) : bookingId ? await bookingParties(db, bookingId) : null;
  if (!parties) return;
  const notice = (userId: string): Notice => ({
    userId,
    kind: "refund.failed",
    data: { refundId: event.data.refundId, ...(leaseId ? { leaseId } : {}), ...(bookingId ? { bookingId } : {}) },
    context: { property: parties.property, amount: { minor: amount, currency } },
  });
  await notify({ env, db }, event.id, [notice(parties.tenantId), notice(parties.landlordId)]);
}

/** A message its recipient had no socket open for. */
export async function noticeChatMessage(event: EventOf<"chat.message_unread">, env: Env, db: D1Db): Promise<void> {
  const { roomId, threadId, messageId, senderId, recipientId, preview } = event.data;
  const [room, people] = await Promise.all([findRoom(db, roomId), recipients(db, [senderId])]);
  if (!room) return;
  await notify({ env, db }, event.id, [
    {
      userId: recipientId,
      kind: "chat.message",
      data: { roomId, threadId, messageId },
      context: {
        property: room.property,
        who: people.get(senderId)?.name ?? "Roomline",
        preview,
      },
    },
  ]);
}

type ViewingNoticeType = "viewing.booked" | "viewing.cancelled" | "viewing.reminder";

/** Viewings: both parties hear of a booking, a reminder and a cancellation. */
export async function noticeViewing(event: EventOf<ViewingNoticeType>, env: Env, db: D1Db): Promise<void> {
  const v = event.data.viewing;
  const property = await propertyFacts(db, v.propertyId);
  const before = event.type === "viewing.reminder" ? { "24h": "24 h", "1h": "1 h" }[event.data.before] : undefined;
  const notice = (userId: string): Notice => ({
    userId,
    kind: event.type,
    data: { viewingId: v.id, roomId: v.roomId, propertyId: v.propertyId },
    context: { property, when: v.start, before },
  });
  await notify({ env, db }, event.id, [notice(v.tenantId), notice(v.landlordId)]);
}

/** Offer notices: the tenant hears of an offer; the landlord of its acceptance or decline (`to` and `from` say which). */
export async function noticeOffer(
  event: EventOf<"offer.sent" | "offer.accepted" | "offer.declined">,
  env: Env,
  db: D1Db,
  to: string,
  from: string,
): Promise<void> {
  const { offer } = event.data;
  const [property, people] = await Promise.all([propertyFacts(db, offer.propertyId), recipients(db, [from])]);
  await notify({ env, db }, event.id, [
    {
      userId: to,
      kind: event.type,
      data: { offerId: offer.id, requestId: offer.requestId, roomId: offer.roomId, propertyId: offer.propertyId },
      context: {
        property,
        amount: { minor: offer.priceAmount, currency: offer.currency },
        day: offer.startDate,
        who: people.get(from)?.name ?? "Roomline",
      },
    },
  ]);
}

async function propertyFacts(db: D1Db, propertyId: string) {
  const p = await findProperty(db, propertyId);
  return p ? { title: p.title, country: p.country, timezone: p.timezone } : undefined;
}

async function bookingFacts(db: D1Db, bookingId: string): Promise<BookingSnapshot | null> {
  const b = await findBooking(db, bookingId);
  return b
    ? {
        ...b,
        rentAmount: b.rentAmount ?? 0,
        depositAmount: b.depositAmount ?? 0,
      }
    : null;
}

async function bookingParties(db: D1Db, bookingId: string) {
  const b = await findBooking(db, bookingId);
  return b ? { tenantId: b.tenantId, landlordId: b.landlordId, property: await propertyFacts(db, b.propertyId) } : null;
}

async function leaseFacts(env: Env, db: D1Db, leaseId: string) {
  const lease = await withPg(env, (pg) => findLease(pg, leaseId));
  if (!lease) return null;
  return {
    tenantId: lease.tenantId,
    landlordId: lease.landlordId,
    endDate: lease.endDate,
    property: await propertyFacts(db, lease.propertyId),
  };
}
