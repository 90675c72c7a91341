import { z } from "@hono/zod-openapi";
import { isIsoDate } from "../../workers/domain/dates";
import { bookings } from "../d1";
import { MoneyView } from "./common";

const Day = z.string().refine(isIsoDate, "must be a calendar date YYYY-MM-DD").openapi({ example: "2027-03-01" });

export const CreateBooking = z.object({
  roomId: z.string().min(1).max(64),
  startDate: Day,
  endDate: Day,
  units: z.number().int().min(1).max(100).default(1),
}).strict().refine((b) => b.endDate > b.startDate, { message: "must be after startDate", path: ["endDate"] }).openapi("CreateBooking");


export const Booking = z.object({
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
}).openapi("Booking");

export const BookingCreated = Booking.extend({
  payment: z.object({ paymentIntentId: z.string(), clientSecret: z.string() }),
}).openapi("BookingCreated");

export const AvailabilityQuery = z.object({ from: Day, to: Day })
  .refine((q) => q.to > q.from, { message: "must be after from", path: ["to"] });

export const Availability = z.object({
  roomId: z.string(),
  capacity: z.number().int(),
  days: z.array(z.object({ date: z.string(), available: z.boolean(), units: z.number().int() })),
}).openapi("Availability");

export const Capacity = z.object({
  activeContracts: z.number().int(),
  reserved: z.number().int(),
  totalCapacity: z.number().int().nullable(),
  available: z.boolean(),
}).openapi("Capacity");

export const SetCapacity = z.object({ totalCapacity: z.number().int().min(0).max(100_000).nullable() }).strict().openapi("SetCapacity");

export type CreateBookingInput = z.infer<typeof CreateBooking>;
export type BookingView = z.infer<typeof Booking>;
