import { z } from "@hono/zod-openapi";
import { bookings } from "../d1";
import { Day, idOf, MoneyView } from "./common";

// Each end of a range has its own example, so an example request built from them is a valid stay.
export const CreateBooking = z
  .object({
    roomId: idOf("room"),
    startDate: Day.openapi({ example: "2027-03-01" }),
    endDate: Day.openapi({ example: "2027-09-01" }),
    units: z.number().int().min(1).max(100).default(1),
  })
  .strict()
  .refine((b) => b.endDate > b.startDate, { message: "must be after startDate", path: ["endDate"] })
  .openapi("CreateBooking");

export const Booking = z
  .object({
    id: z.string(),
    roomId: z.string(),
    propertyId: z.string(),
    tenantId: z.string(),
    landlordId: z.string(),
    startDate: z.string(),
    endDate: z.string(),
    units: z.number().int(),
    status: z.enum(bookings.status.enumValues),
    holdExpiresAt: z.string(),
    amountDue: MoneyView,
    refunded: MoneyView,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Booking");

/** A booking's payment: the PaymentIntent's client secret once the outbox (or an on-demand request) opened it. */
export const BookingPayment = z
  .object({
    status: z.enum(["preparing", "requires_payment", "paid", "closed"]),
    paymentIntentId: z.string().optional(),
    clientSecret: z.string().optional(),
  })
  .openapi("BookingPayment");

export const BookingCreated = Booking.extend({ payment: BookingPayment }).openapi("BookingCreated");

export const AvailabilityQuery = z
  .object({ from: Day.openapi({ example: "2027-03-01" }), to: Day.openapi({ example: "2027-03-15" }) })
  .refine((q) => q.to > q.from, { message: "must be after from", path: ["to"] });

export const Availability = z
  .object({
    roomId: z.string(),
    capacity: z.number().int(),
    days: z.array(z.object({ date: z.string(), available: z.boolean(), units: z.number().int() })),
  })
  .openapi("Availability");

export type CreateBookingInput = z.infer<typeof CreateBooking>;
export type BookingView = z.infer<typeof Booking>;
