import { z } from "@hono/zod-openapi";
import { Cursor, Day, idOf, Instant, Money, MoneyView, pageOf, PageQuery, Text } from "./common";

export const CreateRentalRequest = z
  .strictObject({
    location: z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
    radiusKm: z.number().min(0.5).max(100).openapi({ example: 5 }),
    city: Text({ min: 1, max: 100 }).optional(),
    /** The most the tenant pays per period (a night or a month), all units together. */
    budget: Money,
    rentalMode: z.enum(["monthly", "nightly"]),
    moveIn: Day,
    nights: z.number().int().min(1).max(365).optional(),
    months: z.number().int().min(1).max(36).optional(),
    units: z.number().int().min(1).max(20).default(1),
    note: Text({ max: 1000, multiline: true }).optional(),
  })
  .superRefine((r, ctx) => {
    const need = r.rentalMode === "nightly" ? "nights" : "months";
    const other = r.rentalMode === "nightly" ? "months" : "nights";
    if (r[need] === undefined)
      ctx.addIssue({ code: "custom", path: [need], message: `a ${r.rentalMode} stay needs ${need}` });
    if (r[other] !== undefined)
      ctx.addIssue({ code: "custom", path: [other], message: `a ${r.rentalMode} stay is counted in ${need}` });
  })
  .openapi("CreateRentalRequest", {
    description:
      "`budget` is the most you pay per period (a night or a month), all units together; a nightly stay gives `nights`, a monthly one `months`.",
    example: {
      location: { lat: 38.72, lng: -9.14 },
      radiusKm: 5,
      city: "Lisbon",
      budget: { amount: 90000, currency: "EUR" },
      rentalMode: "monthly",
      moveIn: "2027-03-01",
      months: 6,
      units: 1,
      note: "Quiet, near a metro station.",
    },
  });

export const RentalRequest = z
  .object({
    id: z.string(),
    status: z.enum(["open", "accepted", "withdrawn", "expired"]),
    location: z.object({ lat: z.number(), lng: z.number() }),
    radiusKm: z.number(),
    city: z.string().nullable(),
    budget: MoneyView,
    rentalMode: z.enum(["monthly", "nightly"]),
    moveIn: z.string(),
    moveOut: z.string(),
    nights: z.number().int().nullable(),
    months: z.number().int().nullable(),
    units: z.number().int(),
    note: z.string().nullable(),
    expiresAt: Instant,
    acceptedOfferId: z.string().nullable().openapi({ description: "The offer the tenant accepted" }),
    createdAt: Instant,
  })
  .openapi("RentalRequest");
export const RentalRequestPage = pageOf(RentalRequest).openapi("RentalRequestPage");
export const RentalRequestParams = z.object({ id: idOf("rrq") });
export const RentalRequestQuery = z.object({ limit: PageQuery.shape.limit, cursor: Cursor });

export const PoolItem = z
  .object({
    request: RentalRequest,
    roomIds: z.array(z.string()).openapi({ description: "The landlord's rooms that fit it, best first" }),
    matchScore: z.number().int().min(0).max(100),
    matchReason: z.string(),
  })
  .openapi("RequestPoolItem");
export const RequestPool = z
  .object({
    available: z.boolean(),
    reason: z.string().nullable(),
    landlordScore: z.number().int(),
    items: z.array(PoolItem),
    nextCursor: z.string().nullable(),
  })
  .openapi("RequestPool");
export const PoolQuery = z.object({
  limit: PageQuery.shape.limit,
  cursor: z.string().max(200).optional().openapi({ description: "The `nextCursor` of the previous page" }),
});
