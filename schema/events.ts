import { z } from "zod";

/**
 * Domain events carried by the EVENTS queue. Every event has a unique id (consumers deduplicate on
 * it) and the instant it happened. Each family has one handler in workers/events/consumer.ts.
 */
const envelope = {
  id: z.string().min(1),
  occurredAt: z.iso.datetime(),
  /** The W3C trace the event was raised in: its consumer's work (and log lines) joins that trace. */
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
};

export const ListingChanged = z.object({
  ...envelope,
  type: z.literal("listing.changed"),
  data: z.object({
    propertyId: z.string(),
    reason: z.enum(["created", "updated", "archived", "room_added", "room_updated", "photos_changed", "moderated"]),
  }),
});

/** A photo stored for a property: its listing takes its cover from the photos (the consumer projects it). */
export const MediaUploaded = z.object({
  ...envelope,
  type: z.literal("media.uploaded"),
  data: z.object({
    photoId: z.string(),
    propertyId: z.string(),
    contentType: z.string(),
    bytes: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
  }),
});

/** A booking as its room's calendar held it: what the read model and the PaymentIntent are made from. */
export const BookingSnapshot = z.object({
  id: z.string(),
  roomId: z.string(),
  propertyId: z.string(),
  tenantId: z.string(),
  landlordId: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  units: z.number().int(),
  holdExpiresAt: z.string(),
  amountDue: z.number().int(),
  rentAmount: z.number().int(),
  depositAmount: z.number().int(),
  currency: z.string(),
  createdAt: z.string(),
});
export type BookingSnapshot = z.infer<typeof BookingSnapshot>;

const bookingEvent = <T extends string>(type: T) =>
  z.object({
    ...envelope,
    type: z.literal(type),
    data: z.object({
      bookingId: z.string(),
      refundedAmount: z.number().int().nonnegative().optional(),
      /** Set by the calendar on the events it announces itself (held, expired, retracted). */
      booking: BookingSnapshot.optional(),
    }),
  });

export const BookingHeld = bookingEvent("booking.held");
export const BookingConfirmed = bookingEvent("booking.confirmed");
export const BookingCancelled = bookingEvent("booking.cancelled");
export const BookingExpired = bookingEvent("booking.expired");
export const BookingPaymentFailed = bookingEvent("booking.payment_failed");

/** A verified Stripe webhook, handed from the HTTP route to the consumer; its id is Stripe's `evt_` id. */
export const StripeEventReceived = z.object({
  ...envelope,
  type: z.literal("stripe.event_received"),
  data: z.object({ stripeType: z.string(), paymentIntentId: z.string().nullable(), bookingId: z.string().nullable() }),
});

const invoiceData = {
  invoiceId: z.string(),
  leaseId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  /** The invoice's due date, for the notice (absent on events announced before it was carried). */
  dueDate: z.string().optional(),
};
const invoiceNotice = <T extends string, X extends z.ZodRawShape = {}>(type: T, extra?: X) =>
  z.object({
    ...envelope,
    type: z.literal(type),
    data: z.object({ ...invoiceData, ...(extra as X) }),
  });

/** Notices from the rent run: the notifications issue turns them into messages. */
export const InvoiceIssued = invoiceNotice("invoice.issued");
export const InvoiceReminder = invoiceNotice("invoice.reminder");
export const InvoiceLateFee = invoiceNotice("invoice.late_fee");
/** An off-session charge attempt failed; `finalAttempt` says the schedule is used up and the tenant must pay by hand. */
export const InvoiceChargeFailed = invoiceNotice("invoice.charge_failed", {
  attempt: z.number().int().optional(),
  finalAttempt: z.boolean().optional(),
  reason: z.string().optional(),
});

export const LeaseEnded = z.object({
  ...envelope,
  type: z.literal("lease.ended"),
  data: z.object({ leaseId: z.string(), bookingId: z.string() }),
});

/**
 * A refund Stripe accepted and then could not pay out (the card was closed or lost): the ledger
 * took back what it said went out (`reversed`), and someone must return the money another way.
 * Its id is named after the refund, so it is announced once however often Stripe reports it.
 */
export const RefundFailed = z.object({
  ...envelope,
  type: z.literal("refund.failed"),
  data: z.object({
    refundId: z.string(),
    paymentIntentId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    purpose: z.string().nullable(),
    reason: z.string().nullable(),
    leaseId: z.string().nullable(),
    bookingId: z.string().nullable(),
    reversed: z.boolean(),
  }),
});

/** A lease's deposit settled at its end: what went back to the tenant and what the landlord kept. */
export const DepositSettled = z.object({
  ...envelope,
  type: z.literal("deposit.settled"),
  data: z.object({
    leaseId: z.string(),
    returned: z.number().int(),
    withheld: z.number().int(),
    currency: z.string(),
  }),
});

/** A viewing appointment as its room's calendar holds it; `version` grows with every change. */
export const ViewingSnapshot = z.object({
  id: z.string(),
  roomId: z.string(),
  propertyId: z.string(),
  tenantId: z.string(),
  landlordId: z.string(),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  status: z.enum(["scheduled", "cancelled"]),
  cancelledBy: z.string().nullable(),
  version: z.number().int(),
});
export type ViewingSnapshot = z.infer<typeof ViewingSnapshot>;

const viewingEvent = <T extends string, X extends z.ZodRawShape = {}>(type: T, extra?: X) =>
  z.object({ ...envelope, type: z.literal(type), data: z.object({ viewing: ViewingSnapshot, ...(extra as X) }) });

/** Announced by the room's calendar: a viewing booked, cancelled, or coming up (24 h and 1 h before, by alarm). */
export const ViewingBooked = viewingEvent("viewing.booked");
export const ViewingCancelled = viewingEvent("viewing.cancelled");
export const ViewingReminder = viewingEvent("viewing.reminder", { before: z.enum(["24h", "1h"]) });

/**
 * A chat message its recipient has not seen: announced by the room's chat object when the
 * recipient had no open socket there, at most once per thread and recipient per 10 minutes.
 */
export const ChatMessageUnread = z.object({
  ...envelope,
  type: z.literal("chat.message_unread"),
  data: z.object({
    roomId: z.string(),
    threadId: z.string(),
    messageId: z.string(),
    senderId: z.string(),
    recipientId: z.string(),
    preview: z.string(),
  }),
});

/** An offer as the worker wrote it: what its notices and the landlord's performance are made from. */
export const OfferSnapshot = z.object({
  id: z.string(),
  requestId: z.string(),
  landlordId: z.string(),
  tenantId: z.string(),
  roomId: z.string(),
  propertyId: z.string(),
  priceAmount: z.number().int(),
  currency: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  createdAt: z.string(),
});
export type OfferSnapshot = z.infer<typeof OfferSnapshot>;

/**
 * A landlord offered a room for a rental request. `responseMs`: request posted → this offer, when it
 * is the landlord's first answer to the request (their response time); null for a later one.
 */
export const OfferSent = z.object({
  ...envelope,
  type: z.literal("offer.sent"),
  data: z.object({ offer: OfferSnapshot, responseMs: z.number().int().nullable() }),
});
/** The tenant accepted the offer: its booking is held. */
export const OfferAccepted = z.object({
  ...envelope,
  type: z.literal("offer.accepted"),
  data: z.object({ offer: OfferSnapshot, bookingId: z.string() }),
});
/** The tenant declined the offer, or accepted another one for the same request. */
export const OfferDeclined = z.object({
  ...envelope,
  type: z.literal("offer.declined"),
  data: z.object({ offer: OfferSnapshot, because: z.enum(["declined", "accepted_another"]) }),
});

/** One email of a notification to send (or retry): the queue's backoff paces the attempts. */
export const EmailRequested = z.object({
  ...envelope,
  type: z.literal("email.requested"),
  data: z.object({ deliveryId: z.string() }),
});

export const DomainEvent = z.discriminatedUnion("type", [
  ListingChanged,
  MediaUploaded,
  BookingHeld,
  BookingConfirmed,
  BookingCancelled,
  BookingExpired,
  BookingPaymentFailed,
  StripeEventReceived,
  InvoiceIssued,
  InvoiceReminder,
  InvoiceLateFee,
  InvoiceChargeFailed,
  LeaseEnded,
  RefundFailed,
  ViewingBooked,
  ViewingCancelled,
  ViewingReminder,
  ChatMessageUnread,
  EmailRequested,
  DepositSettled,
  OfferSent,
  OfferAccepted,
  OfferDeclined,
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type EventType = DomainEvent["type"];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
