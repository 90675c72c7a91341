import { z } from "@hono/zod-openapi";
import { Day, Instant, pageOf, Text } from "./common";

export const ModerationReason = z
  .strictObject({ reason: Text({ min: 1, max: 500 }).openapi({ example: "Fake listings reported by three tenants" }) })
  .openapi("ModerationReason");

/** An optional reason (DELETE may come without a body). */
export const OptionalReason = z
  .strictObject({ reason: Text({ min: 1, max: 500 }).optional() })
  .openapi("OptionalModerationReason");

export const SuspensionView = z
  .object({
    userId: z.string(),
    suspendedAt: Instant.nullable(),
    reason: z.string().nullable(),
    releasedHolds: z
      .number()
      .int()
      .openapi({ description: "Holds ended by this suspension (theirs, or on their rooms)" }),
    properties: z.number().int().openapi({ description: "Their properties that left (or came back to) search" }),
  })
  .openapi("Suspension");

export const HiddenPropertyView = z
  .object({ propertyId: z.string(), hiddenAt: Instant.nullable(), reason: z.string().nullable() })
  .openapi("HiddenProperty");

export const AuditEntry = z
  .object({
    id: z.string().openapi({ description: "Sequence number, as a string" }),
    actorId: z.string().nullable(),
    action: z.string().openapi({ example: "user.suspend" }),
    subject: z.string().openapi({ example: "usr_0mh0a1b2c3d4e5f6g" }),
    reason: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    at: Instant,
  })
  .openapi("AuditEntry");

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, "invalid cursor: use the nextCursor of a previous page")
    .optional()
    .openapi({ description: "The `nextCursor` of the previous page" }),
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/)
    .optional()
    .openapi({ example: "user.suspend" }),
  subject: z
    .string()
    .regex(/^[a-z]+_[0-9a-z]{17}([0-9a-z]{17})?$/, "must be an id (usr_…, prop_…, rev_…)")
    .optional(),
});

export const AuditPage = pageOf(AuditEntry).openapi("AuditPage");

export const MetricsQuery = z
  .object({ from: Day, to: Day })
  .refine((q) => q.from < q.to, { path: ["to"], message: "must be after from" })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, {
    path: ["to"],
    message: "the window is at most 366 days",
  });

const PerCurrency = z.record(z.string(), z.number().int());

export const MetricsView = z
  .object({
    window: z.object({ from: Day, to: Day }).openapi({ description: "Half-open, UTC days" }),
    bookings: z.object({
      byStatus: z.record(z.string(), z.number().int()).openapi({ example: { held: 2, confirmed: 14, cancelled: 3 } }),
      grossValue: PerCurrency.openapi({
        description: "Sum of what confirmed bookings made in the window charged, per currency (minor units)",
        example: { EUR: 1_240_000 },
      }),
      refunded: PerCurrency.openapi({ description: "Refunded on those bookings, per currency" }),
    }),
    rent: z
      .object({
        billed: PerCurrency.openapi({ description: "Rent and late fees invoiced (ledger: tenant receivable debited)" }),
        collected: PerCurrency.openapi({
          description: "Paid by tenants (ledger: tenant receivable credited by payments)",
        }),
        refunded: PerCurrency.openapi({ description: "Sent back to tenants' cards" }),
        platformFees: PerCurrency.openapi({ description: "The platform's commission earned on rent" }),
      })
      .openapi({ description: "From the ledger, for transactions posted in the window" }),
    occupancy: z.object({
      bookedUnitNights: z.number().int(),
      availableUnitNights: z.number().int(),
      rate: z.number().openapi({ description: "booked / available, 0 when nothing is available" }),
    }),
    newUsers: z.record(z.string(), z.number().int()).openapi({ example: { tenant: 40, landlord: 6, admin: 0 } }),
  })
  .openapi("AdminMetrics");
