import { z } from "@hono/zod-openapi";
import { Day, idOf, Instant, Money, MoneyView, Text } from "./common";
import { LandlordProfile } from "./landlords";

export const CreateOffer = z
  .strictObject({
    roomId: idOf("room"),
    /** Per period (a night or a month), all units together: what the tenant's budget is counted in. */
    price: Money,
    startDate: Day.optional().openapi({ description: "Default: the request's move-in day" }),
    endDate: Day.optional().openapi({ description: "Default: the end of the requested stay" }),
    message: Text({ max: 2000, multiline: true }).optional(),
    expiresInHours: z.number().int().min(1).max(336).default(48),
  })
  .superRefine((o, ctx) => {
    if (o.startDate && o.endDate && o.endDate <= o.startDate)
      ctx.addIssue({ code: "custom", path: ["endDate"], message: "must be after startDate" });
  })
  .openapi("CreateOffer", {
    description:
      "`price` is per period (a night or a month), all units together, in the request's currency and within its budget. The stay defaults to the request's.",
    example: { roomId: "room_0mfz3k2a1x7q4b9c2", price: { amount: 85000, currency: "EUR" }, message: "Available now." },
  });

export const Offer = z
  .object({
    id: z.string(),
    requestId: z.string(),
    roomId: z.string(),
    propertyId: z.string(),
    landlordId: z.string(),
    price: MoneyView,
    startDate: z.string(),
    endDate: z.string(),
    message: z.string().nullable(),
    status: z.enum(["pending", "accepted", "declined", "withdrawn", "expired", "lapsed"]).openapi({
      description: "`lapsed`: the room was taken before the tenant accepted",
    }),
    expiresAt: Instant,
    bookingId: z.string().nullable().openapi({ description: "The booking an accept made" }),
    createdAt: Instant,
    landlord: LandlordProfile.nullable(),
  })
  .openapi("Offer");

export const OfferList = z.object({ items: z.array(Offer) }).openapi("OfferList");
export const OfferParams = z.object({ id: idOf("ofr") });
